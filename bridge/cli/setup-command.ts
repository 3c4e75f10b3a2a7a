import { readFileSync } from 'node:fs';

import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';

import { Applied, applyPlan, SetupApplyError } from '../setup/apply';
import { checkWiring } from '../setup/check';
import { adminAccessOf, AdminLogin, signIn } from '../setup/connection';
import { changesOf, conflictsOf } from '../setup/model';
import { FLOW_ALIAS, flowAliasOf, SetupOptions, stepSettingsOf, StepWanted } from '../setup/options';
import { plan } from '../setup/plan';
import { readRealmState } from '../setup/realm-state';
import { parseRecord } from '../setup/record';
import { applyRemoval, planRemoval } from '../setup/remove';
import { renderPlan } from '../setup/render';
import { bridgeUrlProblem, stepSettingsProblems } from '../setup/step-settings';
import { javaTrim } from '../text/java-trim';
import { webhookSecret, webhookSecretProblem } from '../webhooks/secret';
import { CliContext, EXIT, println, UsageError } from './context';

/** The flags of `setup`, as commander hands them over. */
interface Flags {
  realm: string;
  idp: string;
  bmsClient?: string;
  bridgeUrl?: string;
  keycloakUrl?: string;
  adminRealm: string;
  adminUser?: string;
  adminClientId?: string;
  bridgeClient: string;
  checkRoles: boolean;
  firstBrokerLoginFlow?: string;
  bmsAcsUrl?: string;
  bmsCompany?: string;
  bmsSsoUrlName?: string;
  employeeDefaults?: Record<string, string>;
  failureMode?: 'fail-open' | 'fail-closed';
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  dryRun: boolean;
  check: boolean;
  remove: boolean;
}

const AFTER_HELP = `
Signs in with KEYCLOAK_ADMIN_USER (or --admin-user) and KEYCLOAK_ADMIN_PASSWORD, or with a service account:
KEYCLOAK_ADMIN_CLIENT_ID (or --admin-client-id) and KEYCLOAK_ADMIN_CLIENT_SECRET. The step's webhook secret is the
bridge's BRIDGE_WEBHOOK_SECRET. Secrets are read from the environment only, and never printed, except the secret of
the bridge's client when setup creates it (once).
Exit codes: 0 done (or, with --check, the wiring is right; with --dry-run, no conflict), 1 a conflict, a problem or a
failure (nothing is applied when anything conflicts), 2 usage.`;

/**
 * `setup`: wires the product into an existing realm (README, "Installing into an existing Keycloak"), plans
 * everything first and applies only a plan without conflicts; `--dry-run` shows the plan, `--check` verifies the
 * wiring read-only, `--remove` takes out what setup added.
 */
export function registerSetup(program: Command, ctx: CliContext): void {
  program
    .command('setup')
    .description('wire the Keycloak extension and the bridge into an existing realm, idempotently (--dry-run shows the diff; --check verifies; --remove undoes)')
    .requiredOption('--realm <realm>', 'the realm that brokers Passly')
    .requiredOption('--idp <alias>', "the SAML identity provider's alias (Passly)")
    .option('--bms-client <clientId>', "the BMS SAML client's client id: the step gates its sign-ins (needed to set up)")
    .option('--bridge-url <url>', "the bridge's webhook endpoint as Keycloak reaches it, e.g. https://bms-bridge.example.com/webhooks/keycloak (needed to set up)", bridgeUrl)
    .option('--keycloak-url <url>', "Keycloak's base URL (default: KEYCLOAK_URL)", httpUrl)
    .option('--admin-realm <realm>', 'the realm the admin signs in to', 'master')
    .option('--admin-user <name>', "an admin's user name (default: KEYCLOAK_ADMIN_USER); password: KEYCLOAK_ADMIN_PASSWORD")
    .option('--admin-client-id <id>', "a confidential client's service account with realm-management's realm-admin instead (default: KEYCLOAK_ADMIN_CLIENT_ID); secret: KEYCLOAK_ADMIN_CLIENT_SECRET")
    .option('--bridge-client <clientId>', "the bridge's service-account client", 'bms-bridge')
    .option('--no-check-roles', "do not grant the bridge's client the read role /readyz needs to check the wiring (view-realm)")
    .option('--first-broker-login-flow <alias>', 'the name of the first-broker-login flow setup creates (default: "<idp> first broker login with BMS")')
    .option('--bms-acs-url <url>', 'create the BMS SAML client when the realm has none: its ACS, https://<your BMS host>/saml/connect.aspx', httpUrl)
    .option('--bms-company <name>', 'with --bms-acs-url: the CompanyName attribute BMS receives (your BMS company name)')
    .option('--bms-sso-url-name <name>', "with --bms-acs-url: the client's IdP-initiated SSO URL name, for the BMS tile in Passly (default: bms)", ssoUrlName)
    .option('--employee-defaults <file>', 'create a BMS employee defaults mapper when the identity provider has none: a JSON file of its settings ({"bms.account": "…", …})', defaultsFile)
    .addOption(new Option('--failure-mode <mode>', 'when the bridge fails during a sign-in (default: as the step has it, else fail-open)').choices(['fail-open', 'fail-closed']))
    .option('--connect-timeout-ms <ms>', "the step's connect timeout, 1-60000 (default: as the step has it, else 1000)", millis)
    .option('--read-timeout-ms <ms>', "the step's read timeout, 1-60000 (default: as the step has it, else 4000)", millis)
    .option('--dry-run', 'print what would change, change nothing', false)
    .option('--check', "verify the realm's wiring, read-only; exit 1 listing every problem", false)
    .option('--remove', 'take out what setup added and re-bind what it re-bound (users and their attributes stay)', false)
    .addHelpText('after', AFTER_HELP)
    .action(async (flags: Flags) => {
      if (flags.check && (flags.remove || flags.dryRun)) throw new UsageError('setup: --check reads only; give it alone (not with --remove or --dry-run)');
      const login = adminLoginOf(ctx, flags);
      if (flags.remove) return void (ctx.exitCode = await remove(ctx, login, flags));
      const options = optionsOf(ctx, flags);
      const api = await signIn(login);
      if (flags.check) {
        const { problems } = await checkWiring(api, options);
        println(ctx, problems.length ? `Realm '${flags.realm}': ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}` : `Realm '${flags.realm}', identity provider '${flags.idp}': the wiring is complete.`);
        return void (ctx.exitCode = problems.length ? EXIT.failure : EXIT.ok);
      }
      const state = await readRealmState(api, options);
      const planned = plan(state, options, adminAccessOf(login, api.accessToken, flags.realm));
      ctx.out(renderPlan(planned));
      if (conflictsOf(planned).length) {
        println(ctx, `Nothing was changed: resolve the conflict(s) above (each says what to do), then run setup again.`);
        return void (ctx.exitCode = EXIT.failure);
      }
      if (flags.dryRun) return println(ctx, '(dry run: nothing was changed)');
      if (!changesOf(planned).length) return println(ctx, 'Nothing to change: the realm is wired already.');
      const applied = await applyPlan(api, planned, parseRecord(state.record)).catch((err: unknown) => {
        // a run stopped after creating the bridge's client: its secret is shown now, or never
        if (err instanceof SetupApplyError && err.clientSecret) printSecret(ctx, err.clientSecret);
        throw err;
      });
      println(ctx, `Applied ${applied.done.length} change(s); what setup added is recorded in the realm (bridge setup --remove takes it out).`);
      if (applied.clientSecret) printSecret(ctx, applied.clientSecret);
      const { problems } = await checkWiring(api, options);
      println(ctx, problems.length ? `But the check finds:\n${problems.map((p) => `  - ${p}`).join('\n')}` : 'Check: the wiring is complete.');
      ctx.exitCode = problems.length ? EXIT.failure : EXIT.ok;
    });
}

async function remove(ctx: CliContext, login: AdminLogin, flags: Flags): Promise<number> {
  const api = await signIn(login);
  const state = await readRealmState(api, { realm: flags.realm, idp: flags.idp });
  if (!state.record) {
    println(ctx, `Realm '${flags.realm}' has no setup record: setup added nothing here (or it was removed already). Nothing to do.`);
    return EXIT.ok;
  }
  const removal = planRemoval(state, flags.idp);
  println(ctx, `Realm '${flags.realm}', identity provider '${flags.idp}': setup --remove ${flags.dryRun ? 'would' : 'will'}:\n${removal.undo.map((u) => `  - ${u.what}`).join('\n')}\nand leave: ${removal.left.join('; ')}.`);
  if (flags.dryRun) {
    println(ctx, '(dry run: nothing was changed)');
    return EXIT.ok;
  }
  const skipped = await applyRemoval(api, flags.realm, flags.idp, removal);
  println(ctx, skipped.length ? `Removed, except:\n${skipped.map((s) => `  - ${s}`).join('\n')}` : 'Removed.');
  return EXIT.ok;
}

/** The admin's sign-in, from flags and the environment; a UsageError saying what is missing. */
function adminLoginOf(ctx: CliContext, flags: Flags): AdminLogin {
  const baseUrl = flags.keycloakUrl ?? keycloakUrlFromEnv(ctx.env.KEYCLOAK_URL);
  if (!baseUrl) throw new UsageError('setup: give --keycloak-url or set KEYCLOAK_URL');
  const clientId = flags.adminClientId ?? ctx.env.KEYCLOAK_ADMIN_CLIENT_ID;
  if (clientId) {
    const clientSecret = ctx.env.KEYCLOAK_ADMIN_CLIENT_SECRET;
    if (!clientSecret) throw new UsageError(`setup: set KEYCLOAK_ADMIN_CLIENT_SECRET, the secret of client '${clientId}'`);
    return { kind: 'client', baseUrl, adminRealm: flags.adminRealm, clientId, clientSecret };
  }
  const username = flags.adminUser ?? ctx.env.KEYCLOAK_ADMIN_USER;
  const password = ctx.env.KEYCLOAK_ADMIN_PASSWORD;
  if (!username || !password) throw new UsageError('setup: sign in with --admin-user (or KEYCLOAK_ADMIN_USER) and KEYCLOAK_ADMIN_PASSWORD, or with KEYCLOAK_ADMIN_CLIENT_ID and KEYCLOAK_ADMIN_CLIENT_SECRET');
  return { kind: 'password', baseUrl, adminRealm: flags.adminRealm, username, password };
}

/** What setup is asked to do. Setting up needs the BMS client, the bridge URL and the webhook secret; a check uses what it is given. */
function optionsOf(ctx: CliContext, flags: Flags): SetupOptions {
  const secret = ctx.env.BRIDGE_WEBHOOK_SECRET;
  const problem = secret === undefined ? undefined : webhookSecretProblem(secret);
  if (problem) throw new UsageError(`setup: BRIDGE_WEBHOOK_SECRET must be a Standard Webhooks secret (whsec_ then base64 of 24 to 64 bytes): it ${problem}`);
  if (!flags.check) {
    const missing = [...(flags.bmsClient ? [] : ['--bms-client']), ...(flags.bridgeUrl ? [] : ['--bridge-url']), ...(secret ? [] : ['BRIDGE_WEBHOOK_SECRET (the bridge\'s)'])];
    if (missing.length) throw new UsageError(`setup: give ${missing.join(', ')}`);
  }
  if (flags.bmsCompany && !flags.bmsAcsUrl) throw new UsageError('setup: --bms-company goes with --bms-acs-url (it is used only when setup creates the BMS client)');
  if (flags.bmsSsoUrlName && !flags.bmsAcsUrl) throw new UsageError('setup: --bms-sso-url-name goes with --bms-acs-url (it is used only when setup creates the BMS client)');
  const flowAlias = flowAliasOf({ realm: flags.realm, idp: flags.idp, flowAlias: flags.firstBrokerLoginFlow });
  if (!FLOW_ALIAS.test(flowAlias)) throw new UsageError(`setup: '${flowAlias}' cannot be a flow name (letters, digits, spaces, '.', '_' and '-'): give --first-broker-login-flow NAME`);
  const step: StepWanted | undefined = flags.bridgeUrl && secret ? { bridgeUrl: flags.bridgeUrl, secret: webhookSecret(secret), failureMode: flags.failureMode, connectTimeoutMs: flags.connectTimeoutMs, readTimeoutMs: flags.readTimeoutMs } : undefined;
  // what setup was told is checked as the plugin checks it when Keycloak saves it (values kept from the realm: plan-realm.ts)
  const told = step ? stepSettingsProblems(stepSettingsOf(step, [])) : [];
  if (told.length) throw new UsageError(`setup: Keycloak would refuse the step's settings: ${told.join(' ')}`);
  return {
    realm: flags.realm,
    idp: flags.idp,
    bmsClient: flags.bmsClient,
    bmsClientToCreate: flags.bmsAcsUrl ? { acsUrl: flags.bmsAcsUrl, companyName: flags.bmsCompany, ssoUrlName: flags.bmsSsoUrlName ?? 'bms' } : undefined,
    step,
    bridgeClient: flags.bridgeClient,
    checkRoles: flags.checkRoles,
    flowAlias: flags.firstBrokerLoginFlow,
    employeeDefaults: flags.employeeDefaults,
  };
}

/** KEYCLOAK_URL checked as --keycloak-url is: a UsageError naming the variable. */
function keycloakUrlFromEnv(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return httpUrl(value);
  } catch (err) {
    throw new UsageError(`setup: KEYCLOAK_URL '${value}' is not usable: ${(err as Error).message} (e.g. https://keycloak.example.com)`);
  }
}

/**
 * The bridge URL as the plugin takes it (java.net.URI, http(s), a host, no user info, a TCP port: step-settings.ts and
 * the shared test/fixtures/contract/step-settings.json), trimmed as the plugin trims it, without a trailing '/'.
 */
function bridgeUrl(value: string): string {
  const problem = bridgeUrlProblem(value);
  if (problem) throw new InvalidArgumentError(`${problem} (Keycloak would refuse it)`);
  return javaTrim(value).replace(/\/$/, '');
}

/** A URL path segment Keycloak can serve as `…/clients/<name>`: letters, digits, '.', '_', '-' and '~', at least one letter or digit ('..' is no segment). */
function ssoUrlName(value: string): string {
  if (!/^[A-Za-z0-9._~-]+$/.test(value) || !/[A-Za-z0-9]/.test(value)) throw new InvalidArgumentError("letters, digits, '.', '_', '-' and '~' only, with at least one letter or digit: it becomes a URL path segment (…/clients/<name>)");
  return value;
}

/** An http(s) URL with a host Java's HTTP client accepts (no '_'), and no user name or password in it. */
function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('give an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('give an http(s) URL');
  if (url.username || url.password) throw new InvalidArgumentError('no user name or password in the URL');
  if (url.hostname.includes('_')) throw new InvalidArgumentError("Java's HTTP client refuses '_' in host names: use another name or an IP address");
  return value.replace(/\/$/, '');
}

function millis(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 60_000) throw new InvalidArgumentError('a whole number of milliseconds, 1 to 60000');
  return n;
}

function defaultsFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = z.record(z.string(), z.string()).safeParse((() => { try { return JSON.parse(text) as unknown; } catch { return undefined; } })());
  if (!parsed.success) throw new InvalidArgumentError(`${path} must be one JSON object of text settings, e.g. {"bms.account": "Contoso MSP", "bms.no.match.policy": "deny"}`);
  return parsed.data;
}

/** The secret of a client setup created: printed once, never stored or logged by setup. */
function printSecret(ctx: CliContext, created: NonNullable<Applied['clientSecret']>): void {
  println(ctx, `The secret of client '${created.clientId}' (shown only now; give it to every bridge as KEYCLOAK_CLIENT_SECRET):\n  ${created.secret}`);
}
