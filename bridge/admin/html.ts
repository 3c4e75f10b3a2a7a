import escapeHtml from 'escape-html';

/** HTML that is already safe to send: made only by `html` (every value escaped) or `raw` (a constant the code wrote). */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A constant fragment the code wrote itself: never pass anything a user, Keycloak or BMS supplied. */
export const raw = (text: string): SafeHtml => new SafeHtml(text);

/**
 * The only way the admin pages build HTML: every interpolated value is escaped (escape-html, express's own escaper)
 * unless it is SafeHtml; arrays are joined; null, undefined and false render as nothing.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** A time (epoch ms) as an admin reads it: ISO 8601 in UTC, to the second, in a <time> element. */
export function when(at: number | null | undefined): SafeHtml {
  if (at === null || at === undefined || !Number.isFinite(at)) return html`—`;
  const iso = new Date(at).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

/** Who is signed in, as the pages show them. */
export interface PageUser {
  name: string;
}

/** The pages of the admin area, in the navigation's order. */
export const PAGES = [
  { path: '/admin', label: 'Person' },
  { path: '/admin/stuck', label: 'Stuck work' },
  { path: '/admin/rules', label: 'Rules' },
  { path: '/admin/health', label: 'Health' },
  { path: '/admin/sweep', label: 'Sweep' },
] as const;

const STYLE = raw(`
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}
header{background:#0b3d5c;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header nav ul{list-style:none;display:flex;gap:1rem;margin:0;padding:0}
header [aria-current=page]{font-weight:700;text-decoration:underline}
main{padding:1rem;max-width:72rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:700}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.5rem}
.bad{color:#a00000;font-weight:700}.warn{color:#8a5a00;font-weight:700}.ok{color:#006400;font-weight:700}
form.inline{display:inline}label{display:block;margin-top:.5rem}input,textarea,button{font:inherit}
button{margin-top:.5rem}
`);

/** The frame of every admin page: skip link, navigation, who is signed in, sign-out (a POST with the CSRF token). */
export function layout(title: string, current: string, user: PageUser | undefined, csrf: string | undefined, body: SafeHtml): string {
  const nav = PAGES.map((p) => html`<li><a href="${p.path}"${p.path === current ? raw(' aria-current="page"') : ''}>${p.label}</a></li>`);
  const who = user
    ? html`<span>Signed in as <strong>${user.name}</strong></span>
        <form class="inline" method="post" action="/admin/logout"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Sign out</button></form>`
    : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – BMS provisioning bridge</title><style>${STYLE}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><strong>BMS provisioning bridge</strong>${user ? html`<nav aria-label="Admin pages"><ul>${nav}</ul></nav>` : ''}${who}</header>
<main id="main"><h1>${title}</h1>${body}</main></body></html>`.text;
}

/** A hidden CSRF field for a state-changing form. */
export const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="_csrf" value="${token}">`;
