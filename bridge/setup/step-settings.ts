import { isIPv6 } from 'node:net';

import { javaTrim } from '../text/java-trim';
import { webhookSecretProblem } from '../webhooks/secret';
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

/** What java.net.URI makes of a URL, as far as the plugin looks at it; undefined where URI.create throws. */
interface JavaUri {
  scheme: string;
  /** the raw authority, server- or registry-based */
  authority?: string;
  /** undefined: no server-based authority (registry-based, or none) */
  host?: string;
  userInfo?: string;
  /** -1: none */
  port: number;
}

// java.net.URI's character classes (RFC 2396 with RFC 2732's brackets)
const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGIT = '0123456789';
const ALPHANUM = ALPHA + DIGIT;
const UNRESERVED = ALPHANUM + "-_.!~*'()";
const RESERVED = ';/?:@&=+$,[]';
const URIC = RESERVED + UNRESERVED;
const PATH = UNRESERVED + ':@&=+$,' + ';/';
const USERINFO = UNRESERVED + ';:&=+$,';
const REG_NAME = UNRESERVED + '$,;:@&=+';
const SERVER = USERINFO + ALPHANUM + '-' + '.:@[]';
const SCHEME = ALPHANUM + '+-.';

class Invalid extends Error {}

/**
 * A port of the parts of java.net.URI's parser (Java 17-21) that decide what the plugin sees: the characters each part
 * allows (with %XX escapes and visible non-ASCII characters where Java allows them), a server-based authority
 * (user info, host name / IPv4 / IPv6, port) with a fallback to a registry-based one (then there is no host).
 */
function parseJavaUri(input: string): JavaUri | undefined {
  const n = input.length;
  /** allowed: ASCII characters of `chars`; escapes: %XX and visible non-ASCII characters too */
  const scan = (start: number, end: number, chars: string, escapes = true): number => {
    let p = start;
    while (p < end) {
      const c = input[p];
      if (c.charCodeAt(0) < 128 && chars.includes(c)) {
        p++;
        continue;
      }
      if (!escapes) break;
      if (c === '%') {
        if (p + 3 <= n && /^[0-9A-Fa-f]{2}$/.test(input.slice(p + 1, p + 3))) {
          p += 3;
          continue;
        }
        throw new Invalid('malformed escape');
      }
      const code = c.charCodeAt(0);
      if (code > 128 && !/[\p{Zs}\p{Zl}\p{Zp}]/u.test(c) && !(code >= 0x7f && code <= 0x9f)) {
        p++;
        continue;
      }
      break;
    }
    return p;
  };
  /** the first of `stops` from start, or end */
  const until = (start: number, end: number, stops: string): number => {
    for (let p = start; p < end; p++) if (stops.includes(input[p])) return p;
    return end;
  };
  const check = (start: number, end: number, chars: string): void => {
    if (scan(start, end, chars) < end) throw new Invalid('illegal character');
  };
  try {
    const colon = until(0, n, '/?#:');
    const hasScheme = colon < n && input[colon] === ':';
    if (hasScheme && (colon === 0 || !ALPHA.includes(input[0]) || scan(1, colon, SCHEME, false) < colon)) throw new Invalid('scheme');
    // a relative URI (no scheme) is valid to Java; the plugin then says it is not http(s)
    const uri: JavaUri = { scheme: hasScheme ? input.slice(0, colon) : '', port: -1 };
    let p = hasScheme ? colon + 1 : 0;
    if (!hasScheme || input[p] === '/') {
      if (input[p] === '/' && input[p + 1] === '/') {
        p += 2;
        const q = until(p, n, '/?#');
        if (q > p) parseAuthority(p, q, uri);
        else if (q >= n) throw new Invalid('expected authority');
        p = q;
      }
      const q = until(p, n, '?#');
      check(p, q, PATH);
      p = q;
      if (input[p] === '?') {
        const r = until(p + 1, n, '#');
        check(p + 1, r, URIC);
        p = r;
      }
    } else {
      const q = until(p, n, '#');
      if (q <= p) throw new Invalid('expected scheme-specific part');
      check(p, q, URIC);
      p = q;
    }
    if (input[p] === '#') {
      check(p + 1, n, URIC);
      p = n;
    }
    return p < n ? undefined : uri;
  } catch (err) {
    if (err instanceof Invalid) return undefined;
    throw err;
  }

  function parseAuthority(start: number, end: number, uri: JavaUri): void {
    // Java: an authority with an IPv6 literal (a ']' after its start) may hold '%' as is (the scope id)
    const serverChars = scan(start, end, input.slice(start, end).indexOf(']') > 0 ? SERVER + '%' : SERVER) === end;
    const regChars = scan(start, end, REG_NAME) === end;
    uri.authority = input.slice(start, end);
    if (regChars && !serverChars) return;
    if (serverChars) {
      const server: JavaUri = { scheme: uri.scheme, port: -1 };
      try {
        parseServer(start, end, server);
        Object.assign(uri, { host: server.host, userInfo: server.userInfo, port: server.port });
        return;
      } catch (err) {
        if (!(err instanceof Invalid) || !regChars) throw err;
        return; // registry-based: no host
      }
    }
    if (!regChars) throw new Invalid('illegal character in authority');
  }

  function parseServer(start: number, end: number, uri: JavaUri): void {
    let p = start;
    const at = until(p, end, '@');
    if (at < end) {
      check(p, at, USERINFO);
      uri.userInfo = input.slice(p, at);
      p = at + 1;
    }
    if (input[p] === '[') {
      const close = until(p + 1, end, ']');
      if (close >= end) throw new Invalid('expected closing bracket');
      const inside = input.slice(p + 1, close);
      const [address, scope] = inside.split(/%(.*)/s, 2);
      if (!isIPv6(address) || /%/.test(address)) throw new Invalid('IPv6');
      if (scope !== undefined && !/^[A-Za-z0-9_.]+$/.test(scope)) throw new Invalid('scope id');
      uri.host = input.slice(p, close + 1);
      p = close + 1;
    } else {
      let q = parseIPv4(p, end);
      if (q <= p) q = parseHostname(p, end);
      uri.host = input.slice(p, q);
      p = q;
    }
    if (input[p] === ':') {
      p++;
      const q = scan(p, end, DIGIT, false);
      if (q > p) {
        const port = Number(input.slice(p, q));
        if (port > 2_147_483_647) throw new Invalid('malformed port number');
        uri.port = port;
        p = q;
      }
    }
    if (p < end) throw new Invalid('expected port number');
  }

  /** the end of an IPv4 address at start (followed by nothing or ':'), else -1 */
  function parseIPv4(start: number, end: number): number {
    const m = scan(start, end, DIGIT + '.', false);
    if (m <= start) return -1;
    // Java's scanByte takes any number of digits whose value is at most 255 ('0001' too)
    const found = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(input.slice(start, m));
    if (!found || found.slice(1).some((b) => Number(b) > 255)) return -1;
    return m < end && input[m] !== ':' ? -1 : m;
  }

  function parseHostname(start: number, end: number): number {
    let p = start;
    let last = -1;
    do {
      let q = scan(p, end, ALPHANUM, false);
      if (q <= p) break;
      last = p;
      p = q;
      q = scan(p, end, ALPHANUM + '-', false);
      if (q > p) {
        if (input[q - 1] === '-') throw new Invalid('illegal character in hostname');
        p = q;
      }
      // one dot, as Java's scan(p, n, '.'): 'a..b' is no host name
      if (input[p] !== '.') break;
      p++;
    } while (p < end);
    if (p < end && input[p] !== ':') throw new Invalid('illegal character in hostname');
    if (last < 0) throw new Invalid('expected hostname');
    if (last > start && !ALPHA.includes(input[last])) throw new Invalid('illegal character in hostname');
    return p;
  }
}
