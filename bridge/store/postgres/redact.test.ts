import { redacted } from './postgres-store';

test.each([
  ['postgres://bridge:not-a-real-password@db.example.invalid:5432/bms', 'postgres://bridge:***@db.example.invalid:5432/bms'],
  ['postgres://bridge@db.example.invalid/bms?password=not-a-real-password&sslmode=require', 'postgres://bridge@db.example.invalid/bms?password=***&sslmode=require'],
  ['postgresql://bridge@db.example.invalid/bms?sslpassword=not-a-real-one', 'postgresql://bridge@db.example.invalid/bms?sslpassword=***'],
  ['postgres://bridge:not-a-real-password@/bms?host=/var/run/postgresql', 'postgres://bridge:***@/bms?host=/var/run/postgresql'],
  ['postgres://bridge:not-a-real@pass@not-a-real-either@db.example.invalid/bms', 'postgres://bridge:***@db.example.invalid/bms'], // review 2, finding 7: an unencoded @
  // a later review: a password of digits then an unencoded #, / or ? (the URL parser reads `bridge:1234` as host and port)
  ['postgres://bridge:1234#not-a-real-one@db.example.invalid/bms', 'postgres://bridge:***@db.example.invalid/bms'],
  ['postgres://bridge:12/not-a-real-one@db.example.invalid/bms', 'postgres://bridge:***@db.example.invalid/bms'],
  ['postgres://bridge:99?not-a-real-one@db.example.invalid/bms', 'postgres://bridge:***@db.example.invalid/bms'],
])('%s is shown as %s (review finding 3: a ?password= was printed)', (url, shown) => {
  expect(redacted(url)).toBe(shown);
  expect(redacted(url)).not.toContain('not-a-real');
});
