/**
 * The sandbox's state, in memory: registered clients, authorization codes, token families and tokens,
 * and the demo user's advertisements. Secrets, codes and tokens are kept as SHA-256 digests only, so the
 * persisted file (see persistence.ts) holds none of them in plain text.
 */
import {
  nextItemNumber,
  seedAdvertisements,
  toAdvertisement,
  type Advertisement,
  type AdvertisementBody,
} from './advertisements.js';
import { digest, randomToken, type ClientAuthMethod, type GrantType } from './protocol.js';

export interface ClientRecord {
  clientId: string;
  secretDigest: string;
  name: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: ClientAuthMethod;
  grantTypes: GrantType[];
  /** The scopes the client may request. */
  scope: string[];
  /** Sandbox extension: this client's access-token lifetime. */
  accessTokenTtlS?: number;
  issuedAt: number;
}

export interface CodeRecord {
  digest: string;
  clientId: string;
  redirectUri: string;
  /** Whether the authorization request carried `redirect_uri` (then the token request must too). */
  redirectUriSent: boolean;
  scope: string[];
  codeChallenge: string | null;
  expiresAt: number;
  usedAt: number | null;
  /** The token family issued from this code, revoked if the code is replayed. */
  familyId: string | null;
}

/** All tokens descending from one authorization code. */
export interface FamilyRecord {
  id: string;
  clientId: string;
  /** The scope granted by the user; refreshes may narrow but never widen it. */
  scope: string[];
  createdAt: number;
  revokedAt: number | null;
}

export interface TokenRecord {
  digest: string;
  kind: 'access' | 'refresh';
  clientId: string;
  familyId: string;
  scope: string[];
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** Refresh tokens: when they were exchanged for a new one. */
  rotatedAt: number | null;
}

export type TokenStatus = 'active' | 'expired' | 'revoked' | 'rotated';

/** The persisted part of the state (codes expire within a minute and are not kept). */
export interface PersistedState {
  version: 1;
  clients: ClientRecord[];
  families: FamilyRecord[];
  tokens: TokenRecord[];
  advertisements: { seedCount: number; items: Advertisement[] };
}

const KEEP_USED_CODES_MS = 10 * 60_000;
const KEEP_DEAD_TOKENS_MS = 60 * 60_000;
// A rotated refresh token is kept this long (at most until it would have expired) to detect its reuse.
const KEEP_ROTATED_MS = 24 * 3600_000;
const PRUNE_EVERY_MS = 60_000;

export interface StoreOptions {
  clock: () => number;
  advertisements: number;
  onChange: () => void;
  initial?: PersistedState | null;
}

export class SandboxStore {
  private readonly clients = new Map<string, ClientRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly families = new Map<string, FamilyRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private ads: Advertisement[];
  private readonly seedCount: number;
  private nextItem: number;
  private readonly clock: () => number;
  private readonly changed: () => void;
  private lastPrune = -Infinity;

  constructor(options: StoreOptions) {
    this.clock = options.clock;
    this.changed = options.onChange;
    this.seedCount = options.advertisements;
    const initial = options.initial;
    for (const c of initial?.clients ?? []) this.clients.set(c.clientId, c);
    for (const f of initial?.families ?? []) this.families.set(f.id, f);
    for (const t of initial?.tokens ?? []) this.tokens.set(t.digest, t);
    this.ads =
      initial && initial.advertisements.seedCount === this.seedCount
        ? initial.advertisements.items
        : seedAdvertisements(this.seedCount);
    this.nextItem = nextItemNumber(this.ads);
  }

  snapshot(): PersistedState {
    return {
      version: 1,
      clients: [...this.clients.values()],
      families: [...this.families.values()],
      tokens: [...this.tokens.values()],
      advertisements: { seedCount: this.seedCount, items: this.ads },
    };
  }

  // Clients

  addClient(client: ClientRecord): void {
    this.clients.set(client.clientId, client);
    this.changed();
  }

  getClient(clientId: string): ClientRecord | undefined {
    return this.clients.get(clientId);
  }

  listClients(): ClientRecord[] {
    return [...this.clients.values()].sort((a, b) => a.issuedAt - b.issuedAt);
  }

  // Authorization codes (RFC 6749 §4.1.2)

  /** Store a new code; returns it in plain text (the only time it exists so). */
  createCode(fields: Omit<CodeRecord, 'digest' | 'usedAt' | 'familyId'>): string {
    this.prune();
    const code = randomToken();
    this.codes.set(digest(code), { ...fields, digest: digest(code), usedAt: null, familyId: null });
    return code;
  }

  findCode(code: string): CodeRecord | undefined {
    return this.codes.get(digest(code));
  }

  markCodeUsed(code: CodeRecord, familyId: string | null): void {
    code.usedAt = this.clock();
    code.familyId = familyId;
  }

  // Tokens

  createFamily(clientId: string, scope: string[]): FamilyRecord {
    const family: FamilyRecord = {
      id: randomToken(12),
      clientId,
      scope,
      createdAt: this.clock(),
      revokedAt: null,
    };
    this.families.set(family.id, family);
    return family;
  }

  getFamily(id: string): FamilyRecord | undefined {
    return this.families.get(id);
  }

  /** Issue a token of the family; returns it in plain text. */
  issueToken(kind: TokenRecord['kind'], family: FamilyRecord, scope: string[], ttlMs: number): string {
    this.prune();
    const token = randomToken();
    const now = this.clock();
    this.tokens.set(digest(token), {
      digest: digest(token),
      kind,
      clientId: family.clientId,
      familyId: family.id,
      scope,
      issuedAt: now,
      expiresAt: now + ttlMs,
      revokedAt: null,
      rotatedAt: null,
    });
    this.changed();
    return token;
  }

  findToken(token: string): TokenRecord | undefined {
    return this.tokens.get(digest(token));
  }

  status(token: TokenRecord): TokenStatus {
    if (token.rotatedAt !== null) return 'rotated';
    if (token.revokedAt !== null || this.families.get(token.familyId)?.revokedAt != null) return 'revoked';
    return this.clock() < token.expiresAt ? 'active' : 'expired';
  }

  markRotated(token: TokenRecord): void {
    token.rotatedAt = this.clock();
    this.changed();
  }

  /** Revoke every token of a family; returns how many were still usable. */
  revokeFamily(familyId: string): number {
    const family = this.families.get(familyId);
    if (!family) return 0;
    const now = this.clock();
    let revoked = 0;
    for (const token of this.tokens.values()) {
      if (token.familyId !== familyId) continue;
      if (this.status(token) === 'active') revoked++;
      token.revokedAt ??= now;
    }
    family.revokedAt ??= now;
    this.changed();
    return revoked;
  }

  /** Revoke one access token; returns 1 when it was still usable. */
  revokeAccessToken(token: TokenRecord): number {
    const wasActive = this.status(token) === 'active';
    token.revokedAt ??= this.clock();
    this.changed();
    return wasActive ? 1 : 0;
  }

  /** Make every live access token expired now; returns how many. */
  expireAccessTokens(): number {
    const now = this.clock();
    let expired = 0;
    for (const token of this.tokens.values()) {
      if (token.kind !== 'access' || this.status(token) !== 'active') continue;
      token.expiresAt = now;
      expired++;
    }
    if (expired) this.changed();
    return expired;
  }

  /** Forget codes and tokens that can no longer matter (a dead token answers like an unknown one). */
  private prune(): void {
    const now = this.clock();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    for (const [key, code] of this.codes) {
      if (code.expiresAt + KEEP_USED_CODES_MS < now) this.codes.delete(key);
    }
    let removed = false;
    for (const [key, token] of this.tokens) {
      const forgetAt =
        token.rotatedAt === null
          ? Math.min(token.expiresAt, token.revokedAt ?? Infinity) + KEEP_DEAD_TOKENS_MS
          : Math.min(token.expiresAt, token.rotatedAt + KEEP_ROTATED_MS);
      if (forgetAt < now) {
        this.tokens.delete(key);
        removed = true;
      }
    }
    if (!removed) return;
    const live = new Set([...this.tokens.values()].map((t) => t.familyId));
    for (const id of this.families.keys()) if (!live.has(id)) this.families.delete(id);
    this.changed();
  }

  // Advertisements of the demo user

  listAds(): readonly Advertisement[] {
    return this.ads;
  }

  getAd(itemId: string): Advertisement | undefined {
    return this.ads.find((ad) => ad.itemId === itemId);
  }

  createAd(body: AdvertisementBody): Advertisement {
    const ad = toAdvertisement(`m${this.nextItem++}`, body, new Date(this.clock()).toISOString());
    this.ads.push(ad);
    this.changed();
    return ad;
  }

  replaceAd(itemId: string, body: AdvertisementBody): Advertisement | undefined {
    const index = this.ads.findIndex((ad) => ad.itemId === itemId);
    const current = this.ads[index];
    if (!current) return undefined;
    const ad = toAdvertisement(itemId, body, current.createdAt);
    this.ads[index] = ad;
    this.changed();
    return ad;
  }

  deleteAd(itemId: string): boolean {
    const before = this.ads.length;
    this.ads = this.ads.filter((ad) => ad.itemId !== itemId);
    if (this.ads.length === before) return false;
    this.changed();
    return true;
  }
}
