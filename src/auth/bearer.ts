import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { findApiKey, touchApiKey } from './api-keys.js';
import type { Authenticator } from './plugin.js';

/** `Authorization: Bearer lk_…` → the key's workspace and role. A bad key is 401, not "anonymous". */
export function apiKeyAuthenticator(db: Db): Authenticator {
  return async (req: FastifyRequest) => {
    const header = req.headers.authorization;
    if (!header) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new AppError('unauthorized', 'malformed Authorization header: expected "Bearer <api key>"', {
        'www-authenticate': 'Bearer realm="latchkey", error="invalid_request"',
      });
    }
    const key = await findApiKey(db, match[1]!);
    if (!key) {
      throw new AppError('unauthorized', 'invalid, expired or revoked API key', {
        'www-authenticate': 'Bearer realm="latchkey", error="invalid_token"',
      });
    }
    void touchApiKey(db, key.id).catch(() => {});
    return {
      workspaceId: key.workspaceId,
      role: key.role,
      actor: { type: 'api_key', id: key.id },
      sessionHash: null,
    };
  };
}
