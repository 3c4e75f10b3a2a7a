/** The bench's sign-in webhooks: their body, and a sender of one signed webhook at a time (the new-users phase). */
import { Agent, request } from 'node:http';

import { Webhook } from 'standardwebhooks';

/** The sign-in webhook of bench user `user` (a returning, unchanged one once the new-users phase made them). */
export function webhookBody(user: number, eventId: string): string {
  const email = `bench.user${user}@contoso.com`;
  return JSON.stringify({
    type: 'login.provisioning_requested', eventId, realm: 'broker', idpAlias: 'passly', clientId: 'bms',
    user: { id: `user-${user}`, username: email, subject: email, email, firstName: 'Bench', lastName: `User${user}`, upn: email, domain: 'contoso.com', groups: ['BMS-Techs'] },
    firstLogin: false, time: new Date().toISOString(),
  });
}

/** Sends signed sign-in webhooks for bench users one at a time, round-robin over `urls`: each answer's latency (ms) and status. */
export function sender(urls: string[], secret: string, agent: Agent): (user: number) => Promise<{ ms: number; status: string }> {
  const signer = new Webhook(secret);
  let seq = 0;
  return (user: number): Promise<{ ms: number; status: string }> => {
    const body = webhookBody(user, `bench-${seq}`);
    const id = `msg_bench_${seq}`;
    const url = urls[seq++ % urls.length];
    const now = new Date();
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signer.sign(id, now, body) };
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = request(`${url}/webhooks/keycloak`, { method: 'POST', headers, agent }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          try {
            resolve({ ms, status: (JSON.parse(text) as { status: string }).status });
          } catch {
            reject(new Error(`the bridge answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
          }
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}
