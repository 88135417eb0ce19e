/** The connector definition (DESIGN §3) of the sandbox, pointing at a sandbox mounted at `issuer`. */
import { LOGO_DATA_URI } from './brand.js';

export const SANDBOX_CONNECTOR_ID = '2ememain-sandbox';

/**
 * The `2ememain-sandbox` connector for a sandbox whose issuer (base URL) is `issuer`, e.g.
 * `http://127.0.0.1:3000/sandbox/2ememain`. A plain object in the connector format; the host validates it.
 * Unlike the real 2ememain it enables PKCE and RFC 9207 `iss` checking, which the sandbox supports.
 */
export function sandboxConnector(issuer: string) {
  const base = issuer.replace(/\/+$/, '');
  return {
    id: SANDBOX_CONNECTOR_ID,
    name: '2ememain (sandbox)',
    description:
      'The offline 2ememain sandbox built into Latchkey: a local OAuth 2.0 provider and Marktplaats-style API ' +
      'with a demo account, to try every step without a real 2ememain account. Not the real 2ememain.',
    docsUrl: `${base}/developer/api-settings`,
    logo: LOGO_DATA_URI,
    sandbox: true,
    auth: {
      type: 'oauth2' as const,
      authorizationUrl: `${base}/oauth/authorize`,
      tokenUrl: `${base}/oauth/token`,
      revocationUrl: `${base}/oauth/revoke`,
      issuer: base,
      defaultScopes: ['read', 'write', 'profile'],
      scopeSeparator: ' ',
      tokenEndpointAuthMethod: 'client_secret_post' as const,
      pkce: true,
      authorizationParams: {},
    },
    api: {
      baseUrl: `${base}/api/v1`,
      headers: { Accept: 'application/hal+json, application/json' },
      test: { method: 'GET' as const, path: '/me' },
    },
    resources: [
      {
        id: 'advertisements',
        name: 'Advertisements',
        path: '/advertisements',
        methods: ['GET' as const, 'POST' as const],
        recordsPath: '_embedded.mp:advertisement',
        pagination: { type: 'offset' as const, offsetParam: 'offset', limitParam: 'limit', limit: 100 },
      },
    ],
  };
}
