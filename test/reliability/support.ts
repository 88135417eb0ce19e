/**
 * Small helpers of the reliability suite: the route table (captured as Fastify builds it), credential
 * snapshots, the fuzz seed, hostile input generators, and the error-shape check.
 */
import dc from 'node:diagnostics_channel';
import fc from 'fast-check';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { expect } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { ERRORS } from '../../src/http/errors.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ─── the route table ────────────────────────────────────────────────────────────────────────────────

export interface CapturedRoute {
  method: string;
  url: string;
  schema: RouteOptions['schema'];
  config: Record<string, unknown>;
}

/**
 * Record every route of every Fastify instance created until `stop()` — through Fastify's documented
 * `fastify.initialization` diagnostics channel, which fires before any plugin registers a route, so new
 * routes are covered without a list to keep.
 */
export function captureRoutes(): { routes: CapturedRoute[]; stop(): void } {
  const routes: CapturedRoute[] = [];
  const channel = dc.channel('fastify.initialization');
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (r) => {
      for (const method of [r.method].flat())
        routes.push({
          method: String(method),
          url: r.url,
          schema: r.schema,
          config: (r.config ?? {}) as Record<string, unknown>,
        });
    });
  };
  channel.subscribe(onInit);
  return { routes, stop: () => channel.unsubscribe(onInit) };
}

// ─── credential snapshots ───────────────────────────────────────────────────────────────────────────

/** Columns a read may legitimately touch (the hand-out's usage stamp). */
const VOLATILE = new Set(['last_used_at']);

/** Every credential row, every column (sealed ones and token_version included), in id order. */
export async function snapshotCredentials(db: Db, ignore: Iterable<string> = []): Promise<string> {
  const skip = new Set([...VOLATILE, ...ignore]);
  const rows = await db.kysely.selectFrom('credentials').selectAll().orderBy('id').execute();
  return JSON.stringify(
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => !skip.has(k))
          .map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]),
      ),
    ),
  );
}

// ─── the seed ───────────────────────────────────────────────────────────────────────────────────────

/** The fuzz seed: LATCHKEY_FUZZ_SEED, else a fresh one — printed so a failure can be replayed. */
export function fuzzSeed(label: string): number {
  const fromEnv = process.env.LATCHKEY_FUZZ_SEED;
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed)) throw new Error(`LATCHKEY_FUZZ_SEED must be an integer, not ${fromEnv}`);
  console.log(`[${label}] fuzz seed ${seed} — replay with LATCHKEY_FUZZ_SEED=${seed}`);
  return seed;
}

// ─── hostile input ──────────────────────────────────────────────────────────────────────────────────

export const INJECTIONS = [
  "'; drop table credentials; --",
  "' OR '1'='1",
  '"; DELETE FROM credentials WHERE ""="',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '..\\..\\windows',
  '%00',
  'a\u0000b',
  '\u0000',
  '${process.exit(1)}',
  '{{constructor.constructor("return process")()}}',
  '#{7*7}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  '\u202eevil\u202c',
  'שלום עולם',
  '🔑🧨👩‍👩‍👧‍👦',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\r\nX-Injected: 1',
  '\t\u0007\u001b[31m',
  '\u2028\u2029',
  '\ufeff',
  '\uffff',
  'null',
  'undefined',
  'NaN',
  '1e309',
  '-0',
  '0x41',
  ' ',
  '',
];

/** One UTF-16 unit or code point of hostile text: lone surrogates, controls, NUL, RTL, emoji, anything. */
const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff') },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\n', '\r') },
  { weight: 1, arbitrary: fc.constantFrom('\u202e', '\u200f', '\u200b', '\u2066', '\ufeff', '🔑', '👩‍💻') },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

/** Sizes just past the limits of the API (names 200, ids 64, ids 512, secrets 4096, …). */
const LIMIT_SIZES = [65, 101, 201, 513, 1001, 2001, 4097, 8193, 70_000];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 4, arbitrary: fc.string({ unit: hostileUnit, maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...LIMIT_SIZES), fc.constantFrom('a', 'é', '🔑', '\u0000', ' '))
      .map(([n, c]) => c.repeat(Math.ceil(n / c.length))),
  },
);

/** Any JSON value, biased to the hostile: wrong types, nulls, arrays instead of objects, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, -0),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/**
 * A JSON document as text, shaped after the fields a body schema names: known fields with hostile
 * values, unknown and prototype-pollution keys, duplicated keys, or not an object at all. Built as text
 * so that keys like `__proto__` and duplicates reach the server as written.
 */
export function hostileJson(fields: string[]): fc.Arbitrary<string> {
  const key = fields.length
    ? fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...fields) },
        { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'admin', 'id') },
        { weight: 1, arbitrary: hostileString },
      )
    : fc.oneof(fc.constantFrom('__proto__', 'constructor', 'x'), hostileString);
  const member = fc
    .tuple(key, hostileValue)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`);
  const object = fc.array(member, { maxLength: 6 }).map((m) => `{${m.join(',')}}`);
  const pollution = fc
    .constantFrom('__proto__', 'constructor')
    .map((k) =>
      k === '__proto__'
        ? '{"__proto__":{"isAdmin":true,"status":"active","polluted":1}}'
        : '{"constructor":{"prototype":{"polluted":1}}}',
    );
  return fc.oneof(
    { weight: 6, arbitrary: object },
    { weight: 1, arbitrary: pollution },
    { weight: 2, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.array(object, { maxLength: 3 }).map((a) => `[${a.join(',')}]`) },
  );
}

export const BAD_JSON = [
  '{',
  '{"name":',
  '{"name": "x",}',
  "{'name': 'x'}",
  '[1, 2',
  'nul',
  '{"a":1}}',
  '\u0000',
  '{"__proto__": {"x": 1}',
  'NaN',
  '{"name": "\\ud800"',
  '{"name": "\\x41"}',
  '{"a": 01}',
  '\ufeff{}\ufeff',
  ' ',
];

export const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'text/html',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'image/png',
  'application/json-patch+json',
  'x/x',
];

/** Path segments that are not ids: traversal, encodings, NUL, unicode, over-long. */
export const JUNK_IDS = [
  '..',
  '%2e%2e',
  '..%2f..%2fhealthz',
  '%00',
  'a%00b',
  '%ff%fe',
  '%ED%A0%80',
  '%F0%9F%94%91',
  "'%3B%20drop%20table%20credentials%3B--",
  '%24%7B1%2B1%7D',
  '__proto__',
  'constructor',
  'a'.repeat(65),
  'a'.repeat(5000),
  'cred_00000000000000000000000000',
  'src_doesnotexist',
  '%20',
  '-',
  '_',
  '0',
  'NULL',
  '%E2%80%AE',
];

/** Raw query-string values (already encoded, some badly on purpose). */
export const JUNK_QUERY_VALUES = ['%', '%zz', '%00', '%ff', '%ED%A0%80', '%u0041', '+', '%2B', '=', '&', ''];

/** Percent-encode text, lone surrogates included (as the invalid UTF-8 a hostile client could send). */
export function encodeLoosely(s: string): string {
  let out = '';
  for (const ch of s) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      out += '%ED%A0%80';
    }
  }
  return out;
}

// ─── the error contract ─────────────────────────────────────────────────────────────────────────────

/** `{"error":{"code","message"}}` with a code of the error list whose status is the response's. */
export function expectErrorBody(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  where: string,
): void {
  expect(String(res.headers['content-type'] ?? ''), `${where}: error content-type`).toMatch(
    /^application\/json/,
  );
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new Error(`${where}: error body is not JSON: ${res.body.slice(0, 300)}`);
  }
  expect(body, `${where}: error shape`).toEqual({
    error: { code: expect.any(String), message: expect.any(String) },
  });
  const { code, message } = (body as { error: { code: string; message: string } }).error;
  expect(Object.keys(ERRORS), `${where}: error code ${code} is in the list`).toContain(code);
  expect(ERRORS[code as keyof typeof ERRORS].status, `${where}: status of ${code}`).toBe(res.statusCode);
  expect(message.length, `${where}: a message`).toBeGreaterThan(0);
}

// ─── running properties ─────────────────────────────────────────────────────────────────────────────

/** Long generated values (megabyte bodies, 70 000-character ids) shortened for a readable report. */
export function shorten(text: string, max = 6000): string {
  const collapsed = text.replace(
    /(.{1,12}?)\1{15,}/gs,
    (run, unit: string) => `${unit}…(×${Math.round(run.length / unit.length)})`,
  );
  return collapsed.length > max
    ? `${collapsed.slice(0, max)}… (${collapsed.length - max} more characters)`
    : collapsed;
}

/** `fc.assert`, with the failure report shortened (the seed and path to replay it stay in it). */
export async function assertProperty<Ts extends unknown[]>(
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>,
  params: fc.Parameters<Ts>,
): Promise<void> {
  const out = await fc.check(property as fc.IAsyncPropertyWithHooks<Ts>, params);
  if (!out.failed) return;
  const cause = out.errorInstance instanceof Error ? `\nCaused by: ${out.errorInstance.message}` : '';
  throw new Error(shorten(`${fc.defaultReportMessage(out) ?? 'property failed'}${cause}`));
}
