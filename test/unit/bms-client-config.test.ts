import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseBmsClientConfig } from '../../bridge/bms/config';

const base = { tenant: 'Contoso MSP', userName: 'api@contoso.example', password: 'x' };

describe('BMS client settings', () => {
  test('a region picks its documented API host, and the defaults are the documented ones', () => {
    const config = parseBmsClientConfig({ ...base, region: 'emea' });
    expect(config.baseUrl).toBe('https://api.bmsemea.kaseya.com');
    expect(config.rateLimit).toEqual({ perWindow: 1500, windowMs: 3_600_000 });
    expect(config.writeContract.create).toBe('POST /v2/hr/employees');
  });

  test('the example in config/ is valid', () => {
    const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'bms-client.example.json'), 'utf8'));
    expect(parseBmsClientConfig(example).baseUrl).toBe('https://api.bms.kaseya.com');
  });

  test('every problem is listed in one message, with the field path', () => {
    let message = '';
    try {
      parseBmsClientConfig({ tenant: '', userName: 'u', password: 'p', rateLimit: { perWindow: 0 } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid BMS client settings:/);
    for (const path of ['→ at tenant', '→ at rateLimit.perWindow', '→ at baseUrl']) expect(message).toContain(path);
    expect(message).toContain('set baseUrl, or region (us, emea or apac)');
  });

  test('a write contract entry must be "METHOD /path"', () => {
    expect(() => parseBmsClientConfig({ ...base, region: 'us', writeContract: { create: 'employees/new' } })).toThrow('writeContract.create must look like "POST /v2/path", got "employees/new"');
  });
});
