import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { findApiKey, hashApiKey, touchApiKey, type ApiKeyRecord } from './api-keys.js';
import type { Authenticator } from './plugin.js';
import type { Principal } from './principal.js';

/**
 * How long a looked-up API key is trusted without asking the database again. A key revoked through this
 * process stops working at once (see `forget`); one revoked by another process of a cluster within this time.
 */
export const API_KEY_CACHE_MS = 2_000;
const TOUCH_EVERY_MS = 60_000;

export interface ApiKeyAuthenticator extends Authenticator {
  /** Drop a key from the cache (after revocation). */
  forget(keyId: string): void;
  /**
   * The caller of an `Authorization` header whose key is in the cache and still valid, without a query;
   * null when the answer would need the database (or the header is not a well-formed bearer token).
   * `connection` (the request's socket) lets a keep-alive connection that sends the same header again skip
   * hashing it again: only the hash is reused, every check on the key is made each time.
   */
  cached(header: string, connection?: object): Principal | null;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** `Authorization: Bearer lk_…` → the key's workspace and role. A bad key is 401, not "anonymous". */
export function apiKeyAuthenticator(db: Db, clock: () => number = Date.now): ApiKeyAuthenticator {
  const cache = new Map<string, { record: ApiKeyRecord; until: number }>();
  const touched = new Map<string, number>();

  function fromCache(hash: string, now: number): ApiKeyRecord | null {
    const hit = cache.get(hash);
    if (hit && hit.until > now && (hit.record.expiresAt === null || hit.record.expiresAt > now))
      return hit.record;
    return null;
  }

  function principal(key: ApiKeyRecord): Principal {
    const now = clock();
    if (now - (touched.get(key.id) ?? 0) >= TOUCH_EVERY_MS) {
      touched.set(key.id, now);
      void touchApiKey(db, key.id, now).catch(() => {});
    }
    return {
      workspaceId: key.workspaceId,
      role: key.role,
      actor: { type: 'api_key', id: key.id },
      sessionHash: null,
    };
  }

  async function lookup(key: string): Promise<ApiKeyRecord | null> {
    const now = clock();
    const hash = hashApiKey(key);
    const hit = fromCache(hash, now);
    if (hit) return hit;
    const record = await findApiKey(db, key, now);
    if (record) {
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { record, until: now + API_KEY_CACHE_MS });
    } else cache.delete(hash);
    return record;
  }

  const authenticate = (async (req: FastifyRequest) => {
    const header = req.headers.authorization;
    if (!header) return null;
    const match = BEARER.exec(header);
    if (!match) {
      throw new AppError('unauthorized', 'malformed Authorization header: expected "Bearer <api key>"', {
        'www-authenticate': 'Bearer realm="latchkey", error="invalid_request"',
      });
    }
    const key = await lookup(match[1]!);
    if (!key) {
      throw new AppError('unauthorized', 'invalid, expired or revoked API key', {
        'www-authenticate': 'Bearer realm="latchkey", error="invalid_token"',
      });
    }
    return principal(key);
  }) as ApiKeyAuthenticator;
  // Per connection, the last header it sent and that header's key hash. (Compared only with what the same
  // connection sent before: nothing about another caller's key can be learnt from it.)
  const lastOnConnection = new WeakMap<object, { header: string; hash: string }>();
  authenticate.cached = (header: string, connection?: object) => {
    let hash: string | null = null;
    const last = connection && lastOnConnection.get(connection);
    if (last && last.header === header) hash = last.hash;
    else {
      const match = BEARER.exec(header);
      if (match) {
        hash = hashApiKey(match[1]!);
        if (connection) lastOnConnection.set(connection, { header, hash });
      }
    }
    const key = hash ? fromCache(hash, clock()) : null;
    return key ? principal(key) : null;
  };
  authenticate.forget = (keyId: string) => {
    for (const [hash, entry] of cache) if (entry.record.id === keyId) cache.delete(hash);
  };
  return authenticate;
}
