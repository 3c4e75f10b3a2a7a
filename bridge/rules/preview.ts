import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';
import { z } from 'zod';

import { evaluate } from './evaluate';
import { Decision, RuleSet, UserFacts } from './model';
import { USER_ATTRIBUTES } from '../keycloak/attributes';

export const factsSchema = z.strictObject({
  username: z.string().nullish(),
  email: z.string().nullish(),
  upn: z.string().nullish(),
  domain: z.string().nullish(),
  groups: z.array(z.string()).default([]),
});

export interface PreviewSource {
  /** the rule set exactly as a sign-in gets it (cached, BMS names checked) */
  rules(): Promise<RuleSet>;
  /** what /readyz says of the rules: undefined when the latest load is usable, else its problems and what is in force */
  status(): Promise<string | undefined>;
  user(id: string): Promise<UserRepresentation | undefined>;
  userByEmail(email: string): Promise<UserRepresentation | undefined>;
}

export type PreviewRequest = { userId: string } | { email: string } | { facts: z.input<typeof factsSchema> };

export interface Preview {
  facts: UserFacts;
  decision: Decision;
  /** problems of the rule set in force (none unless no good set was ever loaded) */
  rulesProblems: string[];
  /** 'ok', or the problems of the latest load and which set answers meanwhile (as /readyz says) */
  rulesStatus: string;
}

/**
 * "What would happen to this user": the decision, the winning rule and the BMS fields, with the rules loaded and checked
 * as for a real sign-in (so it says "not configured" whenever a sign-in would). Writes nothing.
 */
export async function preview(source: PreviewSource, request: PreviewRequest): Promise<Preview> {
  const facts = await factsFor(source, request);
  const ruleSet = await source.rules();
  return { facts, decision: evaluate(ruleSet, facts), rulesProblems: ruleSet.problems, rulesStatus: (await source.status()) ?? 'ok' };
}

async function factsFor(source: PreviewSource, request: PreviewRequest): Promise<UserFacts> {
  if ('facts' in request) return factsSchema.parse(request.facts);
  const user = 'userId' in request ? await source.user(request.userId) : await source.userByEmail(request.email);
  if (!user) throw new Error(`no Keycloak user ${'userId' in request ? `with id ${request.userId}` : `with e-mail ${request.email}`}`);
  const first = (name: string): string | undefined => user.attributes?.[name]?.[0];
  return { username: user.username, email: user.email, upn: first(USER_ATTRIBUTES.upn), domain: first(USER_ATTRIBUTES.domain), groups: user.attributes?.[USER_ATTRIBUTES.groups] ?? [] };
}
