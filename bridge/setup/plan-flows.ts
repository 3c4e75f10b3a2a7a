import { PlanItem } from './model';
import { flowAliasOf, SetupOptions } from './options';
import { Execution, RealmState } from './realm-state';
import { PLUGIN } from './wiring';

/** The plugin's first-broker-login step as setup wants it: the flow's first step, required. */
const stepFirst = (executions: Execution[] | undefined): boolean => {
  const top = (executions ?? []).filter((e) => e.level === 0).sort((a, b) => a.index - b.index);
  return top[0]?.providerId === PLUGIN.requireAttributes && top[0].requirement === 'REQUIRED';
};
const hasStep = (executions: Execution[] | undefined): boolean => (executions ?? []).some((e) => e.providerId === PLUGIN.requireAttributes);

/**
 * The identity provider's first-broker-login flow must start with the plugin's "Require brokered attributes" step
 * (no user is created without an e-mail). A flow that has it first is kept, whatever its name. Otherwise setup copies
 * the flow the identity provider uses now (Keycloak's built-in one is shared by every identity provider, so it is never
 * changed), puts the step first in the copy, and binds the copy; --remove binds the earlier flow again.
 */
export function planFirstBrokerLogin(state: RealmState, options: SetupOptions): PlanItem {
  const current = state.idp?.firstBrokerLoginFlowAlias ?? '';
  const bound = state.idp?.firstBrokerLoginFlowBound ?? current;
  const shown = bound ? `'${bound}'` : `the realm's default ('${current}')`;
  const ours = flowAliasOf(options);
  const base = { key: 'first-broker-login', what: `first-broker-login flow of identity provider '${options.idp}' with Require brokered attributes first`, ops: [] };
  if (stepFirst(state.executions[current])) return { ...base, action: 'keep', details: [`'${current}' starts with it`] };
  const shared = state.flows.includes(ours) ? sharedUses(state, ours, options.idp) : [];
  if (shared.length) {
    return {
      ...base,
      action: 'conflict',
      details: [`'${ours}' cannot be setup's own flow: it is ${shared.join(', and ')}`],
      fix: `give --first-broker-login-flow a name no flow has (setup copies '${current}' into it and puts the step first), or leave the flag out (default '${flowAliasOf({ ...options, flowAlias: undefined })}'); setup never changes a flow other logins share`,
    };
  }
  if (current === ours || hasStep(state.executions[current])) {
    return { ...base, action: 'conflict', details: [`'${current}' has the step, but not first and required`], fix: `Authentication → '${current}': move "Require brokered attributes" to the top and make it Required, then run setup again` };
  }
  if (state.flows.includes(ours)) {
    if (!stepFirst(state.executions[ours])) {
      return { ...base, action: 'conflict', details: [`a flow named '${ours}' exists with other steps`], fix: `rename or delete flow '${ours}', or give setup another name with --first-broker-login-flow NAME` };
    }
    return { ...base, action: 'change', details: [`first login flow: ${shown} → '${ours}' (exists, starts with the step)`], ops: [{ kind: 'bind-first-broker-login', flow: ours, before: bound }] };
  }
  if (!current || !state.flows.includes(current)) {
    return { ...base, action: 'conflict', details: [`the identity provider's first login flow '${current}' does not exist`], fix: `choose a first login flow for identity provider '${options.idp}' (e.g. 'first broker login'), then run setup again` };
  }
  return {
    ...base,
    action: 'create',
    details: [`new flow '${ours}': a copy of '${current}' with Require brokered attributes (e-mail) first`, `first login flow: ${shown} → '${ours}'`],
    ops: [
      { kind: 'copy-flow', from: current, to: ours },
      { kind: 'add-attributes-step', flow: ours, requiredAttributes: 'email' },
      { kind: 'bind-first-broker-login', flow: ours, before: bound },
    ],
  };
}

/**
 * What else uses `flow` besides identity provider `idp`'s first login: Keycloak's built-in flows and any flow bound to
 * the realm or to another identity provider (or as a post login flow) are shared, and setup's changes would reach them.
 */
function sharedUses(state: RealmState, flow: string, idp: string): string[] {
  const ownBinding = `identity provider '${idp}''s first login flow`;
  return [...(state.builtInFlows?.includes(flow) ? ["one of Keycloak's built-in flows"] : []), ...(state.flowBindings?.[flow] ?? []).filter((w) => w !== ownBinding).map((w) => `bound as ${w}`)];
}

/**
 * Builds before the required action ran the step in the identity provider's post-broker-login flow. That provider is
 * gone from the plugin, and Keycloak refuses to run a flow naming an authenticator it does not have: every login
 * through the identity provider would fail. Setup never adds a post-broker-login flow; it reports this one.
 */
export function planLegacyPostLogin(state: RealmState, options: SetupOptions): PlanItem {
  const flow = state.idp?.postBrokerLoginFlowAlias ?? '';
  const base = { key: 'post-broker-login', what: `no BMS step in the post-broker-login flow of identity provider '${options.idp}'`, ops: [] };
  const legacy = (state.executions[flow] ?? []).filter((e) => e.providerId === PLUGIN.legacyPostLoginStep);
  if (!flow || !legacy.length) return { ...base, action: 'keep', details: [flow ? `'${flow}' has none` : 'no post login flow (the product needs none)'] };
  return {
    ...base,
    action: 'conflict',
    details: [`'${flow}' still runs the BMS provisioning step of earlier builds`],
    fix: `remove the "BMS provisioning" execution from flow '${flow}' (or unset the identity provider's post login flow): the step is now the required action setup configures`,
  };
}
