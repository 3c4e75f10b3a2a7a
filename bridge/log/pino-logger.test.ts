import { Writable } from 'node:stream';

import { createLogger } from './pino-logger';

test('log lines are JSON, and secrets and signatures never reach them', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  const log = createLogger('info', sink as never);
  log.info({ userId: 'u1', password: 'hunter2', config: { clientSecret: 's3cr3t' }, req: { headers: { authorization: 'Bearer abc', 'webhook-signature': 'v1,xyz' } } }, 'provisioning decision');
  const line = JSON.parse(lines[0]) as Record<string, unknown>;
  expect(line).toMatchObject({ msg: 'provisioning decision', userId: 'u1', password: '[REDACTED]', service: 'bms-bridge' });
  expect(lines[0]).not.toMatch(/hunter2|s3cr3t|Bearer abc|v1,xyz/);
});
