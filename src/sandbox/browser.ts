/**
 * A scripted browser for the sandbox's pages, used by tests and benchmarks (and handy for automating a
 * demo): a cookie-keeping HTTP client that GETs pages, reads their plain HTML forms (labels, hidden
 * inputs, named buttons) and submits them, never following redirects on its own. `approveInBrowser`
 * walks the sandbox's sign-in and consent pages and returns the final redirect to the client.
 *
 * Works over real HTTP (`fetch`, the default) or in-process with `injectFetch(app)`.
 */
import type { FastifyInstance } from 'fastify';

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** The subset of `fetch` the client needs; it must not follow redirects. */
export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;

const realFetch: FetchLike = (url, init) => fetch(url, { ...init, redirect: 'manual' });

/** A `FetchLike` over `app.inject()`: the URL's origin is ignored, its path and query are used. */
export function injectFetch(app: FastifyInstance): FetchLike {
  return async (url, init) => {
    const u = new URL(url);
    const res = await app.inject({
      method: init.method as 'GET',
      url: u.pathname + u.search,
      headers: init.headers,
      ...(init.body === undefined ? {} : { payload: init.body }),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [String(value)]) headers.append(name, v);
    }
    const nullBody = [101, 204, 205, 304].includes(res.statusCode);
    return new Response(nullBody ? null : res.rawPayload, { status: res.statusCode, headers });
  };
}

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  html: string;
  /** The absolute redirect target of a 3xx answer. */
  location?: string;
}

export interface FormControl {
  name: string;
  value: string;
  type: string;
  id?: string;
}

export interface FormButton {
  text: string;
  name?: string;
  value?: string;
}

export interface ParsedForm {
  action: string;
  method: string;
  controls: FormControl[];
  buttons: FormButton[];
  /** Label text → the `name` of the control it labels. */
  labels: Map<string, string>;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of tag.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attrs[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** The visible text of an HTML fragment, whitespace collapsed. */
export function textOf(html: string): string {
  return decodeEntities(
    html
      .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
}

/** The forms of a page (plain HTML as the sandbox writes it; not a general HTML parser). */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const f of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const formAttrs = attributes(f[1]!);
    const inner = f[2]!;
    const controls: FormControl[] = [];
    const buttons: FormButton[] = [];
    const idToName = new Map<string, string>();
    const add = (c: FormControl) => {
      controls.push(c);
      if (c.id) idToName.set(c.id, c.name);
    };
    for (const m of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(m[1]!);
      const type = (a.type ?? 'text').toLowerCase();
      if (type === 'submit') buttons.push({ text: a.value ?? '', name: a.name, value: a.value });
      else if (a.name && !((type === 'checkbox' || type === 'radio') && !('checked' in a))) {
        add({ name: a.name, value: a.value ?? '', type, id: a.id });
      }
    }
    for (const m of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const a = attributes(m[1]!);
      if (a.name) add({ name: a.name, value: decodeEntities(m[2]!), type: 'textarea', id: a.id });
    }
    for (const m of inner.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const a = attributes(m[1]!);
      const options = [...m[2]!.matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/gi)].map((o) => ({
        attrs: attributes(o[1]!),
        text: textOf(o[2]!),
      }));
      const chosen = options.find((o) => 'selected' in o.attrs) ?? options[0];
      if (a.name)
        add({
          name: a.name,
          value: chosen ? (chosen.attrs.value ?? chosen.text) : '',
          type: 'select',
          id: a.id,
        });
    }
    for (const m of inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = attributes(m[1]!);
      if ((a.type ?? 'submit').toLowerCase() === 'submit')
        buttons.push({ text: textOf(m[2]!), name: a.name, value: a.value });
    }
    const labels = new Map<string, string>();
    for (const m of inner.matchAll(/<label\b([^>]*)>([\s\S]*?)<\/label>/gi)) {
      const target = attributes(m[1]!).for;
      const name = target === undefined ? undefined : idToName.get(target);
      if (name !== undefined) labels.set(textOf(m[2]!), name);
    }
    forms.push({
      action: formAttrs.action ?? '',
      method: (formAttrs.method ?? 'get').toUpperCase(),
      controls,
      buttons,
      labels,
    });
  }
  return forms;
}

export interface SubmitOptions {
  /** Which form: the one whose action ends with this (default: the one holding `button`, else the first). */
  formAction?: string;
  /** Values by control name. */
  fields?: Record<string, string>;
  /** Values by the exact text of the control's `<label>`; fails when no such label exists. */
  labels?: Record<string, string>;
  /** The exact text of the button to press (its name=value is sent); default: the only button. */
  button?: string;
}

export class BrowserClient {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  constructor(private readonly fetchImpl: FetchLike = realFetch) {}

  /** The current value of a cookie, if set. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  async request(
    method: string,
    url: string,
    body?: URLSearchParams,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const path = new URL(url).pathname;
    const cookie = [...this.cookies]
      .filter(([, c]) => path.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const res = await this.fetchImpl(url, {
      method,
      headers: {
        accept: 'text/html',
        ...(cookie ? { cookie } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(body ? { body: body.toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) this.storeCookie(line);
    const location = res.headers.get('location');
    return {
      url,
      status: res.status,
      headers: res.headers,
      html: await res.text(),
      ...(location && res.status >= 300 && res.status < 400
        ? { location: new URL(location, url).toString() }
        : {}),
    };
  }

  get(url: string): Promise<Page> {
    return this.request('GET', url);
  }

  /** Fill and submit a form of `page` as a browser would (hidden inputs included). */
  submitForm(page: Page, options: SubmitOptions = {}): Promise<Page> {
    const forms = parseForms(page.html);
    const form =
      (options.formAction !== undefined
        ? forms.find((f) => f.action.endsWith(options.formAction!))
        : undefined) ??
      (options.button !== undefined
        ? forms.find((f) => f.buttons.some((b) => b.text === options.button))
        : undefined) ??
      (options.formAction === undefined ? forms[0] : undefined);
    if (!form) throw new Error(`no matching form on ${page.url}: ${textOf(page.html).slice(0, 300)}`);
    const values = new Map(form.controls.map((c) => [c.name, c.value]));
    for (const [label, value] of Object.entries(options.labels ?? {})) {
      const name = form.labels.get(label);
      if (name === undefined)
        throw new Error(`no field labelled "${label}" (labels: ${[...form.labels.keys()].join(', ')})`);
      values.set(name, value);
    }
    for (const [name, value] of Object.entries(options.fields ?? {})) values.set(name, value);
    const button =
      options.button === undefined
        ? form.buttons.length === 1
          ? form.buttons[0]
          : undefined
        : form.buttons.find((b) => b.text === options.button);
    if (options.button !== undefined && !button) {
      throw new Error(
        `no button "${options.button}" (buttons: ${form.buttons.map((b) => b.text).join(', ')})`,
      );
    }
    const params = new URLSearchParams([...values]);
    if (button?.name) params.append(button.name, button.value ?? '');
    const action = new URL(form.action || page.url, page.url);
    if (form.method === 'GET') {
      action.search = params.toString();
      return this.get(action.toString());
    }
    return this.request('POST', action.toString(), params);
  }

  private storeCookie(line: string): void {
    const [pair, ...attrs] = line.split(';');
    const eq = pair!.indexOf('=');
    if (eq <= 0) return;
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    let path = '/';
    let expired = false;
    for (const attr of attrs) {
      const [k, v = ''] = attr.split('=').map((s) => s.trim());
      if (k?.toLowerCase() === 'path') path = v;
      if (k?.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      if (k?.toLowerCase() === 'expires' && Date.parse(v) < Date.now()) expired = true;
    }
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, { value, path });
  }
}

export interface ApproveOptions {
  email: string;
  password: string;
  decision: 'authorize' | 'deny';
  /** Reuse a browser (its sandbox session); default a fresh one over `fetch`. */
  client?: BrowserClient;
  /** Transport of a fresh browser, e.g. `injectFetch(app)`. */
  fetch?: FetchLike;
}

/**
 * Open `authorizationUrl`, sign in (fields labelled Email and Password, button Sign in) if asked, press
 * Authorize or Deny, and return the redirect that leaves the sandbox (to the client's redirect_uri)
 * without following it. Throws, with the page's text, on anything else (an error page, a failed sign-in).
 */
export async function approveInBrowser(authorizationUrl: string, options: ApproveOptions): Promise<string> {
  const client = options.client ?? new BrowserClient(options.fetch);
  const start = new URL(authorizationUrl);
  const sandboxBase = start.pathname.replace(/\/oauth\/authorize\/?$/, '');
  const redirectUri = start.searchParams.get('redirect_uri');
  const target = redirectUri ? new URL(redirectUri) : undefined;
  const leavesSandbox = (url: string) => {
    const u = new URL(url);
    if (target && u.origin === target.origin && u.pathname === target.pathname) return true;
    return u.origin !== start.origin || !u.pathname.startsWith(`${sandboxBase}/`);
  };
  let page = await client.get(authorizationUrl);
  let signedIn = false;
  for (let step = 0; step < 8; step++) {
    if (page.location) {
      if (leavesSandbox(page.location)) return page.location;
      page = await client.get(page.location);
      continue;
    }
    const buttons = parseForms(page.html).flatMap((f) => f.buttons.map((b) => b.text));
    if (buttons.includes('Sign in')) {
      if (signedIn) throw new Error(`sign-in failed: ${textOf(page.html).slice(0, 300)}`);
      signedIn = true;
      page = await client.submitForm(page, {
        labels: { Email: options.email, Password: options.password },
        button: 'Sign in',
      });
      continue;
    }
    if (buttons.includes('Authorize') && buttons.includes('Deny')) {
      page = await client.submitForm(page, {
        button: options.decision === 'authorize' ? 'Authorize' : 'Deny',
      });
      continue;
    }
    throw new Error(
      `unexpected page (HTTP ${page.status}) at ${page.url}: ${textOf(page.html).slice(0, 300)}`,
    );
  }
  throw new Error('the authorization flow did not finish');
}
