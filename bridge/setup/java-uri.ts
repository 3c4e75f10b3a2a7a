/** java.net.URI's parser (Java 17-21), ported as far as the plugin's check of the bridge URL looks at it. */

import { isIPv6 } from 'node:net';

/** What java.net.URI makes of a URL, as far as the plugin looks at it; undefined where URI.create throws. */
export interface JavaUri {
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
export function parseJavaUri(input: string): JavaUri | undefined {
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
