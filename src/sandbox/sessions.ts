/**
 * Browser sessions of the sandbox's own sign-in, and the authorization requests waiting for the user
 * (kept server-side, referenced by an unguessable id bound to the session that started them: a form
 * posted from another browser, or forged by another site, names no request of the victim's session).
 * Held in memory only: a restart signs the browser out, as a real provider may.
 */
import { DEMO_USER } from './advertisements.js';
import { randomToken, safeEqual } from './protocol.js';

const SESSION_TTL_MS = 12 * 3600_000;
const PENDING_TTL_MS = 10 * 60_000;

export const DEMO_PASSWORD = 'demo';

export interface BrowserSession {
  id: string;
  /** Token of the forms that are not tied to an authorization request (the developer page). */
  csrf: string;
  /** The signed-in user's email, or null before sign-in. */
  user: string | null;
  expiresAt: number;
}

export interface PendingAuthorization {
  id: string;
  sessionId: string;
  clientId: string;
  redirectUri: string;
  redirectUriSent: boolean;
  scope: string[];
  state: string | undefined;
  codeChallenge: string | null;
  expiresAt: number;
}

export function demoCredentialsMatch(email: string, password: string): boolean {
  const passwordOk = safeEqual(password, DEMO_PASSWORD);
  return email.trim().toLowerCase() === DEMO_USER.email && passwordOk;
}

export class SessionStore {
  private readonly sessions = new Map<string, BrowserSession>();
  private readonly pending = new Map<string, PendingAuthorization>();

  constructor(private readonly clock: () => number) {}

  get(id: string | undefined): BrowserSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.clock() >= session.expiresAt) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  create(): BrowserSession {
    this.prune();
    const session: BrowserSession = {
      id: randomToken(),
      csrf: randomToken(),
      user: null,
      expiresAt: this.clock() + SESSION_TTL_MS,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Sign in under a fresh session id (no session fixation); pending requests follow the browser. */
  signIn(previous: BrowserSession, user: string): BrowserSession {
    const session = { ...this.create(), user };
    this.sessions.set(session.id, session);
    this.sessions.delete(previous.id);
    for (const p of this.pending.values()) if (p.sessionId === previous.id) p.sessionId = session.id;
    return session;
  }

  createPending(fields: Omit<PendingAuthorization, 'id' | 'expiresAt'>): PendingAuthorization {
    const request: PendingAuthorization = {
      ...fields,
      id: randomToken(),
      expiresAt: this.clock() + PENDING_TTL_MS,
    };
    this.pending.set(request.id, request);
    return request;
  }

  /** The pending request `id`, if it belongs to `session` and has not expired. */
  getPending(id: string | undefined, session: BrowserSession | undefined): PendingAuthorization | undefined {
    if (id === undefined || !session) return undefined;
    const request = this.pending.get(id);
    if (!request || request.sessionId !== session.id) return undefined;
    if (this.clock() >= request.expiresAt) {
      this.pending.delete(id);
      return undefined;
    }
    return request;
  }

  /** Remove a pending request; false when it was already gone (a double submit). */
  finish(id: string): boolean {
    return this.pending.delete(id);
  }

  private prune(): void {
    const now = this.clock();
    for (const [id, s] of this.sessions) if (now >= s.expiresAt) this.sessions.delete(id);
    for (const [id, p] of this.pending) if (now >= p.expiresAt) this.pending.delete(id);
  }
}
