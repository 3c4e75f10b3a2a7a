import { Plan, PlanItem } from './model';
import { AdminAccess, planAccess } from './plan-access';
import { SetupOptions } from './options';
import { planFirstBrokerLogin, planLegacyPostLogin } from './plan-flows';
import { planBridgeAttributes, planDefaultsMapper, planImporters } from './plan-mappers';
import { planProfile } from './plan-profile';
import { planBmsClient, planBridgeClient, planIdp, planListener, planPlugin, planStep } from './plan-realm';
import { RealmState } from './realm-state';

/**
 * Everything setup would do to the realm, decided from one reading of it and written nowhere: the same plan serves
 * the dry run, the real run (applied only when no item is in conflict), and the check (every item must be kept). Given
 * the signed-in account's access, the plan also says whether it may write what is planned.
 */
export function plan(state: RealmState, options: SetupOptions, access?: AdminAccess): Plan {
  const idp = planIdp(state, options);
  // without the identity provider, its mappers and flows cannot be planned
  const onIdp: PlanItem[] = idp.action === 'keep' ? [...planImporters(state, options), planBridgeAttributes(state, options), planDefaultsMapper(state, options), planFirstBrokerLogin(state, options), planLegacyPostLogin(state, options)] : [];
  const items = [planPlugin(state), idp, planListener(state), ...planProfile(state), ...onIdp, planBmsClient(state, options), planBridgeClient(state, options), planStep(state, options)];
  const planned = items.filter((i): i is PlanItem => i !== undefined);
  // with the account given (setup's own runs), whether it may make the writes planned: before anything is written
  return { realm: state.realm, idp: options.idp, items: access ? [planAccess(state.realm, planned, access), ...planned] : planned };
}
