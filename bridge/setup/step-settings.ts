import { javaTrim } from '../text/java-trim';
import { webhookSecretProblem } from '../webhooks/secret';
import { parseJavaUri } from './java-uri';
import { STEP_SETTINGS } from './options';

/**
 * The provisioning step's settings checked as the plugin checks them when they are saved (ProvisioningSettings.from and
 * StepSettingsCheck): Keycloak refuses settings with a problem, so setup finds every one before it writes anything
 * (a refusal part-way would leave the realm half wired). The cases and the plugin's exact sentences are
 * test/fixtures/contract/step-settings.json, which both test suites read.
 */
export function stepSettingsProblems(config: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const url = bridgeUrlProblem(config[STEP_SETTINGS.bridgeUrl]);
  if (url) problems.push(url);
  const secret = config[STEP_SETTINGS.secret];
  const secretProblem = webhookSecretProblem(secret ?? '');
  if (secretProblem) problems.push(`The webhook secret ${secretProblem}.`);
  problems.push(...timeoutProblem(config[STEP_SETTINGS.connectMs], 'connect'), ...timeoutProblem(config[STEP_SETTINGS.readMs], 'read'));
  const mode = config[STEP_SETTINGS.failureMode];
  if (!blank(mode) && !['fail-open', 'fail-closed'].includes(javaTrim(mode ?? '').toLowerCase())) {
    problems.push(`The failure mode '${javaTrim(mode ?? '')}' is unknown: use fail-open or fail-closed. Until it is fixed the step fails closed.`);
  }
  return problems;
}

/** Why the plugin would refuse `value` as the bridge URL (its exact sentence), or undefined when it takes it. */
export function bridgeUrlProblem(value: string | undefined): string | undefined {
  if (value === undefined || blank(value)) return "The bridge URL is empty: set it to the bridge's webhook endpoint, e.g. https://bms-bridge.example.com/webhooks/keycloak.";
  const url = parseJavaUri(javaTrim(value));
  if (!url) return 'The bridge URL is not a valid URL.';
  const scheme = url.scheme.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return 'The bridge URL must be an http(s) URL, e.g. https://bms-bridge.example.com/webhooks/keycloak.';
  if (url.host === undefined) {
    const authority = url.authority ?? '';
    return authority.includes('_')
      ? `The bridge URL's host '${authority}' has an underscore, which Java's HTTP client refuses in host names: use a name without '_', or an IP address.`
      : 'The bridge URL must name a host, e.g. https://bms-bridge.example.com/webhooks/keycloak.';
  }
  if (url.userInfo !== undefined) return 'The bridge URL must not carry a user name or password: the webhook is authenticated by its signature.';
  if (url.port === 0 || url.port > 65_535) return `The bridge URL's port ${url.port} is not a TCP port (1 to 65535).`;
  return undefined;
}

function timeoutProblem(value: string | undefined, which: string): string[] {
  if (value === undefined || blank(value)) return [];
  const trimmed = javaTrim(value);
  if (/^[0-9]{1,5}$/.test(trimmed) && Number(trimmed) >= 1 && Number(trimmed) <= 60_000) return [];
  return [`The ${which} timeout must be a whole number of milliseconds between 1 and 60000.`];
}

/** Java's String.isBlank: empty or only Character.isWhitespace (not the no-break spaces). */
function blank(value: string | undefined): boolean {
  return !value || /^[\t\n\u000B\f\r\u001C-\u001F\p{Zs}\p{Zl}\p{Zp}]*$/u.test(value.replace(/[\u00A0\u2007\u202F]/g, 'x'));
}
