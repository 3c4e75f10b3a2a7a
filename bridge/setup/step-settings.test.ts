import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { bridgeUrlProblem, stepSettingsProblems } from './step-settings';

interface Case {
  case: string;
  config: Record<string, string>;
  problems: string[];
}

const fixture = JSON.parse(readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'contract', 'step-settings.json'), 'utf8')) as { cases: Case[] };

describe("the step's settings, checked as the plugin checks them (test/fixtures/contract/step-settings.json)", () => {
  it.each(fixture.cases.map((c) => [c.case, c] as const))('%s', (_name, c) => {
    expect(stepSettingsProblems(c.config)).toEqual(c.problems);
  });

  it('names a bad webhook secret too (its grammar is secrets.json)', () => {
    expect(stepSettingsProblems({ 'bridge.url': 'http://h/x', 'webhook.secret': 'plain' })).toEqual(["The webhook secret must start with 'whsec_' (Standard Webhooks format)."]);
  });

  it('accepts what the review found the plugin refusing only when it is right', () => {
    expect(bridgeUrlProblem('http://bridge.example.invalid/webhooks/keycloak')).toBeUndefined();
    expect(bridgeUrlProblem('http://bridge.example.invalid:0/webhooks/keycloak')).toMatch(/port 0 is not a TCP port/);
  });
});
