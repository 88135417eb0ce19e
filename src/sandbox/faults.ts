/**
 * Fault injection at the token endpoint, so the broker can be tested against a provider that is slow,
 * down, flapping or answering nonsense. `count` limits how many requests a fault affects; then it clears.
 */
import { z } from 'zod';

const count = z.number().int().positive().optional();
const status = z.number().int().min(400).max(599);

export const TokenFaultSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('none') }),
  /** Answer `status` (default 503) with an OAuth error body (`error`, default by status). */
  z.strictObject({
    mode: z.literal('status'),
    status: status.default(503),
    error: z.string().min(1).max(100).optional(),
    count,
  }),
  /** Wait `delayMs`, then process the request normally. */
  z.strictObject({ mode: z.literal('delay'), delayMs: z.number().int().min(0).max(600_000), count }),
  /** Answer `status` (default 200) with an HTML body that is not JSON. */
  z.strictObject({
    mode: z.literal('garbage'),
    status: z.number().int().min(200).max(599).default(200),
    count,
  }),
  /** Alternate: fail with `status` (default 503), succeed, fail, … `count` limits the failures. */
  z.strictObject({ mode: z.literal('flap'), status: status.default(503), count }),
  /** Destroy the connection without answering. */
  z.strictObject({ mode: z.literal('drop'), count }),
]);

export const FaultsInputSchema = z.strictObject({
  token: TokenFaultSchema.optional(),
  /** Overrides the default access-token lifetime for tokens issued from now on; null restores it. */
  accessTokenTtlS: z
    .number()
    .int()
    .positive()
    .max(366 * 24 * 3600)
    .nullable()
    .optional(),
});

export type TokenFault = z.output<typeof TokenFaultSchema>;
export type SandboxFaultsInput = z.input<typeof FaultsInputSchema>;

export interface SandboxFaults {
  token: TokenFault;
  accessTokenTtlS: number | null;
}

/** What the token endpoint does with the next request. */
export type FaultAction =
  | { kind: 'pass' }
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number; error: string }
  | { kind: 'garbage'; status: number }
  | { kind: 'drop' };

function defaultError(httpStatus: number): string {
  if (httpStatus === 503 || httpStatus === 429) return 'temporarily_unavailable';
  if (httpStatus >= 500) return 'server_error';
  if (httpStatus === 401) return 'invalid_client';
  return 'invalid_request';
}

export class FaultState {
  private current: SandboxFaults = { token: { mode: 'none' }, accessTokenTtlS: null };
  private remaining: number | undefined;
  private flapFailsNext = true;

  /** The access-token lifetime override, if any. */
  get accessTokenTtlS(): number | null {
    return this.current.accessTokenTtlS;
  }

  get(): SandboxFaults {
    return structuredClone(this.current);
  }

  /** Validates like the control endpoint does; throws a ZodError on bad input. */
  set(input: SandboxFaultsInput): SandboxFaults {
    const parsed = FaultsInputSchema.parse(input);
    if (parsed.token) {
      this.current.token = parsed.token;
      this.remaining = 'count' in parsed.token ? parsed.token.count : undefined;
      this.flapFailsNext = true;
    }
    if (parsed.accessTokenTtlS !== undefined) this.current.accessTokenTtlS = parsed.accessTokenTtlS;
    return this.get();
  }

  /** Decide the fate of one token request, consuming the fault's count. */
  next(): FaultAction {
    const fault = this.current.token;
    if (fault.mode === 'none') return { kind: 'pass' };
    if (fault.mode === 'flap') {
      const fail = this.flapFailsNext;
      this.flapFailsNext = !fail;
      if (!fail) return { kind: 'pass' };
    }
    const action = this.actionOf(fault);
    if (this.remaining !== undefined && --this.remaining <= 0) {
      this.current.token = { mode: 'none' };
      this.remaining = undefined;
    }
    return action;
  }

  private actionOf(fault: Exclude<TokenFault, { mode: 'none' }>): FaultAction {
    switch (fault.mode) {
      case 'status':
        return { kind: 'status', status: fault.status, error: fault.error ?? defaultError(fault.status) };
      case 'flap':
        return { kind: 'status', status: fault.status, error: defaultError(fault.status) };
      case 'delay':
        return { kind: 'delay', ms: fault.delayMs };
      case 'garbage':
        return { kind: 'garbage', status: fault.status };
      case 'drop':
        return { kind: 'drop' };
    }
  }
}
