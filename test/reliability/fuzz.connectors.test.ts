/**
 * Connector definitions are data from files an operator drops in LATCHKEY_CONNECTORS_DIR: `parseConnector`
 * must turn anything — valid definitions mutated at random places, hostile JSON, arbitrary JavaScript
 * values — into either a definition that keeps every rule of the format (checked here independently of
 * the zod schema) or a ConnectorDefinitionError naming the source, and nothing else.
 *
 * Seeded: LATCHKEY_FUZZ_SEED replays a run (the seed is printed).
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  builtinConnectorsDir,
  ConnectorDefinitionError,
  parseConnector,
  type Connector,
} from '../../src/connectors/index.js';
import { sandboxConnector } from '../../src/sandbox/index.js';
import { fuzzSeed, hostileString, hostileValue } from './support.js';

const RUNS = Math.max(1, Math.round(1500 * Number(process.env.LATCHKEY_FUZZ_RUNS ?? 1)));

// ─── the rules of the format (DESIGN §3), written out without zod ──────────────────────────────────

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const DOTTED = /^[^.\s]+(\.[^.\s]+)*$/;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** A string of `min` to `max` characters — code points, as zod counts them (`'𐀀'.length` is 2). */
const isString = (v: unknown, min = 0, max = Infinity): v is string => {
  if (typeof v !== 'string') return false;
  const length = [...v].length;
  return length >= min && length <= max;
};
const isPositiveInt = (v: unknown, max: number) =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max;

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

function onlyKeys(where: string, o: Record<string, unknown>, allowed: string[], out: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) out.push(`${where}: unknown key ${k}`);
}

function stringRecord(where: string, v: unknown, out: string[]): void {
  if (!isObject(v)) return void out.push(`${where}: not an object`);
  for (const [k, val] of Object.entries(v))
    if (typeof val !== 'string') out.push(`${where}.${k}: not a string`);
}

/** Every rule a definition breaks (empty: a valid definition). */
function violations(c: unknown): string[] {
  const out: string[] = [];
  if (!isObject(c)) return ['not an object'];
  onlyKeys(
    '',
    c,
    ['id', 'name', 'description', 'docsUrl', 'logo', 'sandbox', 'auth', 'api', 'resources'],
    out,
  );
  if (!isString(c.id) || !ID.test(c.id)) out.push('id');
  if (!isString(c.name, 1, 100)) out.push('name');
  if (c.description !== undefined && !isString(c.description, 0, 1000)) out.push('description');
  if (c.docsUrl !== undefined && !isHttpUrl(c.docsUrl)) out.push('docsUrl');
  if (c.logo !== undefined && !isString(c.logo, 0, 100_000)) out.push('logo');
  if (c.sandbox !== undefined && typeof c.sandbox !== 'boolean') out.push('sandbox');
  const a = c.auth;
  if (!isObject(a)) out.push('auth');
  else {
    onlyKeys(
      'auth',
      a,
      [
        'type',
        'authorizationUrl',
        'tokenUrl',
        'revocationUrl',
        'issuer',
        'defaultScopes',
        'scopeSeparator',
        'tokenEndpointAuthMethod',
        'pkce',
        'authorizationParams',
      ],
      out,
    );
    if (a.type !== 'oauth2') out.push('auth.type');
    for (const k of ['authorizationUrl', 'tokenUrl']) if (!isHttpUrl(a[k])) out.push(`auth.${k}`);
    for (const k of ['revocationUrl', 'issuer'])
      if (a[k] !== undefined && !isHttpUrl(a[k])) out.push(`auth.${k}`);
    if (
      !Array.isArray(a.defaultScopes) ||
      a.defaultScopes.length > 100 ||
      !a.defaultScopes.every((s) => isString(s, 1, 200))
    )
      out.push('auth.defaultScopes');
    if (!isString(a.scopeSeparator, 1, 3)) out.push('auth.scopeSeparator');
    if (!['client_secret_basic', 'client_secret_post'].includes(a.tokenEndpointAuthMethod as string))
      out.push('auth.tokenEndpointAuthMethod');
    if (typeof a.pkce !== 'boolean') out.push('auth.pkce');
    stringRecord('auth.authorizationParams', a.authorizationParams, out);
  }
  const api = c.api;
  if (!isObject(api)) out.push('api');
  else {
    onlyKeys('api', api, ['baseUrl', 'headers', 'test'], out);
    if (!isHttpUrl(api.baseUrl)) out.push('api.baseUrl');
    if (typeof api.baseUrl === 'string' && api.baseUrl.endsWith('/')) out.push('api.baseUrl: trailing slash');
    stringRecord('api.headers', api.headers, out);
    // Headers an HTTP client can actually send: a token name, a value of visible characters, spaces and tabs.
    if (isObject(api.headers))
      for (const [k, v] of Object.entries(api.headers)) {
        if (!HEADER_NAME.test(k)) out.push(`api.headers: name ${JSON.stringify(k)}`);
        if (typeof v === 'string' && /[^\t\x20-\x7e\x80-\xff]/.test(v)) out.push(`api.headers.${k}: value`);
      }
    if (api.test !== undefined) {
      if (!isObject(api.test)) out.push('api.test');
      else {
        onlyKeys('api.test', api.test, ['method', 'path'], out);
        if (!METHODS.includes(api.test.method as string)) out.push('api.test.method');
        if (!isString(api.test.path) || !api.test.path.startsWith('/')) out.push('api.test.path');
      }
    }
  }
  if (!Array.isArray(c.resources)) out.push('resources');
  else
    c.resources.forEach((r: unknown, i) => {
      const w = `resources.${i}`;
      if (!isObject(r)) return void out.push(w);
      onlyKeys(w, r, ['id', 'name', 'path', 'methods', 'recordsPath', 'pagination'], out);
      if (!isString(r.id) || !ID.test(r.id)) out.push(`${w}.id`);
      if (r.name !== undefined && !isString(r.name, 1, 100)) out.push(`${w}.name`);
      if (!isString(r.path) || !r.path.startsWith('/')) out.push(`${w}.path`);
      if (
        !Array.isArray(r.methods) ||
        r.methods.length === 0 ||
        !r.methods.every((m) => METHODS.includes(m as string))
      )
        out.push(`${w}.methods`);
      if (r.recordsPath !== undefined && !(isString(r.recordsPath) && DOTTED.test(r.recordsPath)))
        out.push(`${w}.recordsPath`);
      const p = r.pagination;
      if (p === undefined) return;
      if (!isObject(p)) return void out.push(`${w}.pagination`);
      if (p.type === 'offset') {
        onlyKeys(`${w}.pagination`, p, ['type', 'offsetParam', 'limitParam', 'limit'], out);
        if (
          !isString(p.offsetParam, 1, 100) ||
          !isString(p.limitParam, 1, 100) ||
          !isPositiveInt(p.limit, 10_000)
        )
          out.push(`${w}.pagination(offset)`);
      } else if (p.type === 'page') {
        onlyKeys(`${w}.pagination`, p, ['type', 'param', 'start', 'sizeParam', 'size'], out);
        if (
          !isString(p.param, 1, 100) ||
          typeof p.start !== 'number' ||
          !Number.isInteger(p.start) ||
          p.start < 0
        )
          out.push(`${w}.pagination(page)`);
        if (p.sizeParam !== undefined && !isString(p.sizeParam, 1, 100))
          out.push(`${w}.pagination.sizeParam`);
        if (p.size !== undefined && !isPositiveInt(p.size, 10_000)) out.push(`${w}.pagination.size`);
      } else if (p.type === 'link') {
        onlyKeys(`${w}.pagination`, p, ['type', 'nextPath'], out);
        if (!(isString(p.nextPath) && DOTTED.test(p.nextPath))) out.push(`${w}.pagination(link)`);
      } else out.push(`${w}.pagination.type`);
    });
  return out;
}

// ─── generators ─────────────────────────────────────────────────────────────────────────────────────

const NOT_URLS = [
  'not a url',
  'javascript:alert(1)',
  'ftp://files.example/x',
  'file:///etc/passwd',
  'data:text/html,<script>1</script>',
  'http://',
  'https://',
  '//no-scheme.example/x',
  '/relative/path',
  'https://exa mple.com',
  'http://[::1',
  'http://127.0.0.1:99999',
  'http://%zz',
  'https://x\u0000y.example',
  "https://x.example/'; drop table credentials; --",
  'https://🔑.example',
  '  https://padded.example  ',
  'https://x.example/\r\nX-Evil: 1',
  'HTTPS://UPPER.EXAMPLE/',
  'https://user:pass@host.example/',
  'https://x.example/a/../../b',
  'ws://socket.example',
  '',
];
const NOT_IDS = [
  'UPPER',
  '-lead',
  '_lead',
  'a'.repeat(64),
  '../x',
  'x y',
  '',
  'é',
  'a.b',
  '__proto__',
  'a/b',
  '\u0000',
];
const HEADER_JUNK = ['X-Ok', 'Bad Name', 'X\r\nInjected', 'Ünïcödé', '', 'a:b', '__proto__', 'x\u0000'];

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Every path (list of keys) into a JSON tree, the root included. */
function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'addKey'; at: number; key: string; value: unknown }
  | { op: 'url'; at: number; value: string }
  | { op: 'id'; at: number; value: string }
  | { op: 'header'; name: string; value: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('addKey' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra'), hostileString),
    value: hostileValue,
  }),
  fc.record({ op: fc.constant('url' as const), at: fc.nat(), value: fc.constantFrom(...NOT_URLS) }),
  fc.record({ op: fc.constant('id' as const), at: fc.nat(), value: fc.constantFrom(...NOT_IDS) }),
  fc.record({
    op: fc.constant('header' as const),
    name: fc.constantFrom(...HEADER_JUNK),
    value: fc.oneof(fc.constantFrom('ok', 'a\r\nb', 'x\u0000', ''), hostileString),
  }),
);

function setAt(root: unknown, p: (string | number)[], value: unknown): unknown {
  if (p.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  // defineProperty: a key like "__proto__" becomes a real own key, as JSON.parse would make it.
  Object.defineProperty(node, p[p.length - 1]!, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return root;
}

function apply(base: unknown, muts: Mutation[]): unknown {
  let doc = clone(base);
  for (const m of muts) {
    const all = pathsOf(doc);
    if (m.op === 'header') {
      if (isObject(doc) && isObject(doc.api)) {
        const headers = isObject(doc.api.headers) ? doc.api.headers : {};
        Object.defineProperty(headers, m.name, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        doc.api.headers = headers;
      }
      continue;
    }
    if (m.op === 'url' || m.op === 'id') {
      const wanted = all.filter((p) =>
        m.op === 'url' ? /url|issuer/i.test(String(p[p.length - 1])) : p[p.length - 1] === 'id',
      );
      if (wanted.length) doc = setAt(doc, wanted[m.at % wanted.length]!, m.value);
      continue;
    }
    const p = all[m.at % all.length]!;
    if (m.op === 'replace') doc = setAt(doc, p, m.value);
    else if (m.op === 'delete' && p.length) {
      let node = doc as Record<string | number, unknown>;
      for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
      if (Array.isArray(node)) node.splice(Number(p[p.length - 1]), 1);
      else delete node[p[p.length - 1]!];
    } else if (m.op === 'addKey') {
      let node = doc as Record<string | number, unknown>;
      for (const k of p) node = node[k] as Record<string | number, unknown>;
      if (isObject(node))
        Object.defineProperty(node, m.key, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
  }
  return doc;
}

describe('fuzzing connector definitions through parseConnector', () => {
  let seed = 0;
  let bases: unknown[] = [];
  beforeAll(() => {
    seed = fuzzSeed('connectors');
    const builtins = fs
      .readdirSync(builtinConnectorsDir())
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(builtinConnectorsDir(), f), 'utf8')) as unknown);
    const sandbox = sandboxConnector('http://127.0.0.1:4010/sandbox/2ememain');
    const paged = clone(sandbox);
    paged.resources[0]!.pagination = {
      type: 'page',
      param: 'page',
      start: 0,
      sizeParam: 'size',
      size: 50,
    } as never;
    const linked = clone(sandbox);
    linked.resources[0]!.pagination = { type: 'link', nextPath: '_links.next.href' } as never;
    bases = [...builtins, sandbox, paged, linked];
    for (const b of bases) expect(violations(parseConnector(clone(b), 'base'))).toEqual([]);
  });

  const tally = { accepted: 0, refused: 0 };

  /** Parse, and hold the outcome to the rules. */
  function check(input: unknown): void {
    let parsed: Connector;
    try {
      parsed = parseConnector(input, 'fuzz.json');
    } catch (err) {
      tally.refused++;
      expect(err, String((err as Error)?.stack ?? err)).toBeInstanceOf(ConnectorDefinitionError);
      expect((err as ConnectorDefinitionError).file).toBe('fuzz.json');
      expect((err as Error).message).toMatch(/^invalid connector definition fuzz\.json: /);
      return;
    } finally {
      // Nothing leaked onto the prototypes of plain objects.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    }
    tally.accepted++;
    expect(violations(parsed), JSON.stringify(input)?.slice(0, 2000)).toEqual([]);
    // A parsed definition is itself a valid definition, unchanged by parsing again.
    expect(parseConnector(clone(parsed), 'again')).toEqual(parsed);
  }

  it('valid definitions mutated at random places: parsed by the rules, or a ConnectorDefinitionError', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (b, muts) => {
        check(apply(bases[b % bases.length], muts));
      }),
      { seed, numRuns: RUNS },
    );
    // Both sides of the line were exercised: many mutants still parse, many do not.
    expect(tally.accepted).toBeGreaterThan(RUNS / 20);
    expect(tally.refused).toBeGreaterThan(RUNS / 4);
  });

  it('hostile JSON and arbitrary JavaScript values: never anything but a ConnectorDefinitionError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileValue,
          fc.anything({
            withBigInt: true,
            withBoxedValues: true,
            withDate: true,
            withMap: true,
            withSet: true,
            withNullPrototype: true,
            withObjectString: true,
            withSparseArray: true,
            withTypedArray: true,
          }),
        ),
        (input) => check(input),
      ),
      { seed, numRuns: RUNS },
    );
    // A cycle, and over-long fields.
    const cyclic = clone(bases[0]) as Record<string, Record<string, unknown>>;
    cyclic.api!.headers = cyclic;
    check(cyclic);
    check({ ...(bases[0] as object), logo: 'x'.repeat(100_001) });
    check({ ...(bases[0] as object), description: 'd'.repeat(1001) });
  });
});
