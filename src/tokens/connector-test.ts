/** POST …/test: call the connector's test request with the credential's token and record the outcome. */
import type { AuditService } from '../audit/service.js';
import type { OperationContext } from '../auth/principal.js';
import type { Catalog } from '../connectors/index.js';
import type { CredentialRepository } from '../credentials/repository.js';
import { AppError, notFound } from '../http/errors.js';
import { classifyNetworkError, type Outbound } from '../outbound/index.js';
import type { TokenService } from './service.js';

export interface TestResult {
  ok: boolean;
  status: number | null;
  durationMs: number;
  message: string;
}

export function createConnectorTest(deps: {
  catalog: Catalog;
  repo: CredentialRepository;
  tokens: TokenService;
  audit: AuditService;
  outbound: Outbound;
  timeoutMs: number;
  clock?: () => number;
}) {
  const clock = deps.clock ?? Date.now;
  return async function testCredential(ctx: OperationContext, credentialId: string): Promise<TestResult> {
    const row = await deps.repo.find(ctx.workspaceId, credentialId);
    if (!row) throw notFound('credential');
    const connector = deps.catalog.get(row.connector);
    if (!connector?.api.test)
      throw new AppError('conflict', `connector "${row.connector}" defines no test request`);
    const test = connector.api.test;
    const url = connector.api.baseUrl + test.path;
    const started = clock();
    const call = async (accessToken: string) =>
      deps.outbound.fetch(url, {
        method: test.method,
        headers: {
          ...connector.api.headers,
          authorization: `Bearer ${accessToken}`,
          ...(ctx.requestId ? { 'x-request-id': ctx.requestId } : {}),
        },
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
    let result: TestResult;
    try {
      let token = await deps.tokens.getToken(ctx, credentialId);
      let res = await call(token.accessToken);
      if (res.status === 401) {
        await res.body?.cancel();
        token = await deps.tokens.refresh(ctx, credentialId);
        res = await call(token.accessToken);
      }
      await res.body?.cancel();
      const ok = res.status >= 200 && res.status < 300;
      result = {
        ok,
        status: res.status,
        durationMs: clock() - started,
        message: ok
          ? `${test.method} ${test.path} answered ${res.status}`
          : `${test.method} ${test.path} answered HTTP ${res.status}`,
      };
    } catch (err) {
      if (err instanceof AppError) {
        result = { ok: false, status: null, durationMs: clock() - started, message: err.message };
      } else {
        const kind = classifyNetworkError(err);
        result = {
          ok: false,
          status: null,
          durationMs: clock() - started,
          message: kind === 'timeout' ? 'the API did not answer in time' : 'the API could not be reached',
        };
      }
    }
    const at = clock();
    await deps.repo.update(row.workspace_id, row.id, {
      last_test_ok: result.ok ? 1 : 0,
      last_test_status: result.status,
      last_test_at: at,
    });
    await deps.audit.recordFor(
      ctx,
      'credential.tested',
      { type: 'credential', id: row.id },
      result.ok ? 'ok' : 'error',
      {
        status: result.status,
        durationMs: result.durationMs,
      },
    );
    return result;
  };
}
