/**
 * Logging: pino, JSON lines, with every secret-bearing field redacted. OAuth callback URLs lose their
 * `code` and `state` values, so an authorization code never reaches a log.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths pino redacts wherever they appear in a log object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.Authorization',
  '*.cookie',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.code_verifier',
  '*.codeVerifier',
  '*.password',
  '*.apiKey',
  '*.secret',
  'clientSecret',
  'client_secret',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'password',
  'apiKey',
  'secret',
];

const SENSITIVE_QUERY = /([?&](?:code|state|access_token|refresh_token|client_secret|token)=)[^&#]*/gi;

/** A URL with the values of sensitive query parameters replaced. */
export function redactUrl(url: string): string {
  return url.replace(SENSITIVE_QUERY, '$1[REDACTED]');
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req(req: { id?: string; method?: string; url?: string; ip?: string }) {
        return { id: req.id, method: req.method, url: req.url ? redactUrl(req.url) : req.url, ip: req.ip };
      },
      err: pino.stdSerializers.err,
    },
  };
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
