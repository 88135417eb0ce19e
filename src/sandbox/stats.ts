/** Exact counters of what the sandbox was asked and answered, for tests of the broker. */

export interface Outcomes {
  ok: number;
  error: number;
}

/** A snapshot of the counters; `reset()` zeroes them. */
export interface SandboxStats {
  tokenRequests: {
    /** Every request to the token endpoint, faulted ones included. */
    total: number;
    /** Requests that were processed, by `grant_type` (`unsupported` for a missing or unknown one). */
    byGrantType: Record<string, Outcomes>;
    /** Refused requests by OAuth error code. */
    errors: Record<string, number>;
    /** Requests answered by an injected fault (status, garbage, flap failure, drop) instead of processed. */
    faulted: number;
  };
  /** Successful `refresh_token` grants. */
  refreshes: number;
  /** Rotated refresh tokens presented again (each revoked its family). */
  refreshTokenReuses: number;
  /** Authorization codes presented again (each revoked the tokens issued from it). */
  codeReplays: number;
  authorizations: { approved: number; denied: number };
  /** Accepted revocation requests, and how many tokens they revoked. */
  revocations: { requests: number; tokensRevoked: number };
  registrations: number;
  apiRequests: { total: number; byStatus: Record<string, number> };
}

export function emptyStats(): SandboxStats {
  return {
    tokenRequests: { total: 0, byGrantType: {}, errors: {}, faulted: 0 },
    refreshes: 0,
    refreshTokenReuses: 0,
    codeReplays: 0,
    authorizations: { approved: 0, denied: 0 },
    revocations: { requests: 0, tokensRevoked: 0 },
    registrations: 0,
    apiRequests: { total: 0, byStatus: {} },
  };
}

export class StatsRecorder {
  private stats = emptyStats();

  snapshot(): SandboxStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = emptyStats();
  }

  tokenFaulted(): void {
    this.stats.tokenRequests.total++;
    this.stats.tokenRequests.faulted++;
  }

  tokenRequest(grantType: string, error: string | null): void {
    const t = this.stats.tokenRequests;
    t.total++;
    const outcomes = (t.byGrantType[grantType] ??= { ok: 0, error: 0 });
    if (error === null) {
      outcomes.ok++;
      if (grantType === 'refresh_token') this.stats.refreshes++;
    } else {
      outcomes.error++;
      t.errors[error] = (t.errors[error] ?? 0) + 1;
    }
  }

  refreshTokenReuse(): void {
    this.stats.refreshTokenReuses++;
  }

  codeReplay(): void {
    this.stats.codeReplays++;
  }

  authorization(approved: boolean): void {
    if (approved) this.stats.authorizations.approved++;
    else this.stats.authorizations.denied++;
  }

  revocation(tokensRevoked: number): void {
    this.stats.revocations.requests++;
    this.stats.revocations.tokensRevoked += tokensRevoked;
  }

  registration(): void {
    this.stats.registrations++;
  }

  apiRequest(status: number): void {
    this.stats.apiRequests.total++;
    const key = String(status);
    this.stats.apiRequests.byStatus[key] = (this.stats.apiRequests.byStatus[key] ?? 0) + 1;
  }
}
