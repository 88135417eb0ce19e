/**
 * The sandbox's protocol rules as small pure functions: client authentication headers (RFC 6749 §2.3.1),
 * PKCE (RFC 7636), scopes (RFC 6749 §3.3), redirect URIs (RFC 6749 §3.1.2, RFC 7591 §2), bearer tokens
 * (RFC 6750) and content negotiation. No I/O here.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The scopes the sandbox knows, in their canonical order. */
export const SCOPES = ['read', 'write', 'profile'] as const;
export type Scope = (typeof SCOPES)[number];

/** Granted when an authorization request names no scope. */
export const DEFAULT_SCOPES: readonly Scope[] = ['read', 'profile'];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  read: 'See your advertisements',
  write: 'Create, change and delete your advertisements',
  profile: 'See your profile (name, email address, location)',
};

export const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const CLIENT_AUTH_METHODS = ['client_secret_post', 'client_secret_basic'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** A random opaque string of `bytes` bytes (32 bytes = 256 bits), base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Secrets and tokens are kept as SHA-256 digests only. */
export function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Constant-time string equality. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Constant-time comparison of a presented secret with a stored digest. */
export function matchesDigest(presented: string, storedDigest: string): boolean {
  return safeEqual(digest(presented), storedDigest);
}

/** Decode one `application/x-www-form-urlencoded` component ('+' is a space); null when malformed. */
export function formUrlDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

export interface BasicCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Parse `Authorization: Basic …` as RFC 6749 §2.3.1 requires: base64-decode, split at the first `:`, then
 * form-url-decode each part. A client that sends its secret without that encoding ends up with another
 * secret (or a malformed one) and fails authentication, as it would at a strict provider.
 * Returns null for another scheme, 'malformed' for a Basic header that cannot be read.
 */
export function parseBasicAuthorization(header: string): BasicCredentials | null | 'malformed' {
  const match = /^basic(?: +(.*))?$/i.exec(header.trim());
  if (!match) return null;
  const encoded = (match[1] ?? '').trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'malformed';
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  const clientId = formUrlDecode(decoded.slice(0, colon));
  const clientSecret = formUrlDecode(decoded.slice(colon + 1));
  if (clientId === null || clientSecret === null || clientId === '') return 'malformed';
  return { clientId, clientSecret };
}

const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** RFC 7636 §4.2: an S256 challenge is the unpadded base64url of a SHA-256 digest, 43 characters. */
export function isS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export type PkceOutcome =
  'ok' | 'verifier_missing' | 'verifier_unexpected' | 'verifier_malformed' | 'mismatch';

/**
 * RFC 7636 §4.6: check the verifier of a token request against the challenge of its authorization request.
 * A verifier sent for an authorization request that had no challenge is refused too (a PKCE downgrade).
 */
export function checkPkce(challenge: string | null, verifier: string | undefined): PkceOutcome {
  if (challenge === null) return verifier === undefined ? 'ok' : 'verifier_unexpected';
  if (verifier === undefined) return 'verifier_missing';
  if (!CODE_VERIFIER.test(verifier)) return 'verifier_malformed';
  return safeEqual(s256(verifier), challenge) ? 'ok' : 'mismatch';
}

/**
 * RFC 6749 §3.3: a space-delimited list of scope tokens (NQCHAR). Returns the distinct tokens, or null when
 * the string is not a well-formed scope (another separator, control characters, quotes).
 */
export function parseScope(raw: string): string[] | null {
  if (!/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(raw)) return null;
  return [...new Set(raw.split(' '))];
}

/** The scopes in canonical order, space-separated. */
export function formatScope(scopes: readonly string[]): string {
  const known = SCOPES.filter((s) => scopes.includes(s));
  const others = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s)).sort();
  return [...known, ...others].join(' ');
}

export function isSubset(subset: readonly string[], of: readonly string[]): boolean {
  return subset.every((s) => of.includes(s));
}

/** RFC 7591 §2 and RFC 6749 §3.1.2: an absolute http(s) URI without a fragment; null when acceptable. */
export function redirectUriProblem(uri: string): string | null {
  if (uri.includes('#')) return 'must not contain a fragment';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not contain user information';
  return null;
}

/** Append parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2). */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * True when the Accept header names `application/json` literally (with a q other than 0). The Marktplaats
 * API answers 406 otherwise, even for `application/hal+json` alone or `*\/*`.
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (type !== 'application/json') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** RFC 6750 §2.1: the token of `Authorization: Bearer <b64token>`; null without one, 'malformed' otherwise. */
export function parseBearer(header: string | undefined): string | null | 'malformed' {
  if (header === undefined) return null;
  const match = /^bearer(?: +(.*))?$/i.exec(header.trim());
  if (!match) return null;
  const token = (match[1] ?? '').trim();
  return /^[A-Za-z0-9\-._~+/]+=*$/.test(token) ? token : 'malformed';
}

/** RFC 6750 §3: the `WWW-Authenticate` challenge of a refused API request. */
export function bearerChallenge(
  realm: string,
  error?: { code: string; description: string; scope?: string },
): string {
  const parts = [`realm="${realm}"`];
  if (error) {
    parts.push(`error="${error.code}"`, `error_description="${error.description.replace(/["\\]/g, '')}"`);
    if (error.scope) parts.push(`scope="${error.scope}"`);
  }
  return `Bearer ${parts.join(', ')}`;
}

/** True when the Content-Type header names `type` (ignoring parameters such as charset). */
export function isContentType(header: string | undefined, type: string): boolean {
  return (header ?? '').split(';')[0]!.trim().toLowerCase() === type;
}
