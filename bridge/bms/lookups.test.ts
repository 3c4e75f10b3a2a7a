import { z } from 'zod';

import { BmsError } from './errors';
import { Lookups } from './lookups';
import { Answer, BmsTransport, Call } from './transport';

/** A BMS that answers the department table when the test lets it: `pending` holds each call until released. */
function slowBms(departments: { id: number; name: string }[]) {
  const pending: (() => void)[] = [];
  const calls: string[] = [];
  const transport: Pick<BmsTransport, 'call'> = {
    call: <T extends z.ZodType>(call: Call, schema: T): Promise<Answer<z.output<T>>> => {
      calls.push(call.path);
      return new Promise((resolve) => pending.push(() => resolve({ result: schema.parse(departments.map((d) => ({ ...d }))) })));
    },
  };
  return { transport, pending, calls, release: () => pending.splice(0).forEach((answer) => answer()) };
}

describe('BMS lookups after their first load', () => {
  let clock = 0;
  const now = () => clock;

  test('a stale table answers at once and refreshes in the background: a slow BMS holds up nobody', async () => {
    const departments = [{ id: 1, name: 'Service Desk' }];
    const bms = slowBms(departments);
    const lookups = new Lookups(bms.transport, 60_000, 'EmploymentType', now);
    const first = lookups.resolve('department', 'Service Desk');
    bms.release();
    expect(await first).toBe(1);
    clock += 61_000; // stale now
    departments[0].name = 'Help Desk'; // renamed in BMS meanwhile
    expect(await lookups.resolve('department', 'Service Desk')).toBe(1); // answered without waiting: BMS has not replied
    expect(bms.pending).toHaveLength(1); // the refresh is under way
    bms.release();
    await new Promise((r) => setImmediate(r));
    expect(await lookups.resolve('department', 'Help Desk')).toBe(1); // the fresh copy is in
  });

  test('a name the stale table lacks waits for the fresh copy before saying no (a department created or renamed in BMS)', async () => {
    const departments = [{ id: 1, name: 'Service Desk' }];
    const bms = slowBms(departments);
    const lookups = new Lookups(bms.transport, 60_000, 'EmploymentType', now);
    const first = lookups.list('department');
    bms.release();
    await first;
    clock += 61_000;
    departments.push({ id: 2, name: 'Projects' });
    const found = lookups.resolve('department', 'Projects');
    await new Promise((r) => setImmediate(r));
    bms.release();
    expect(await found).toBe(2);
    const missing = lookups.resolve('department', 'Wizardry');
    await expect(missing).rejects.toThrow(BmsError); // fresh table: its verdict stands, no further call
    expect(bms.calls).toHaveLength(2);
  });
});
