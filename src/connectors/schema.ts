/** The connector format of DESIGN §3, as a zod schema: a connector is data, not code. */
import { z } from 'zod';

const httpsOrLocalUrl = z.url({ protocol: /^https?$/ });
const dottedPath = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a dotted path such as _embedded.items');
const paramName = z.string().min(1).max(100);
/** Headers an HTTP client can send (RFC 9110 §5.1, §5.5): a token as the name, no control characters in the value. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name (a token)');
const headerValue = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'no line breaks or control characters');

export const PaginationSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('offset'),
    offsetParam: paramName,
    limitParam: paramName,
    limit: z.number().int().positive().max(10_000),
  }),
  z.strictObject({
    type: z.literal('page'),
    param: paramName,
    start: z.number().int().min(0).default(1),
    sizeParam: paramName.optional(),
    size: z.number().int().positive().max(10_000).optional(),
  }),
  z.strictObject({
    type: z.literal('link'),
    /** Dotted path to the next page's URL in the response, e.g. `_links.next.href`. */
    nextPath: dottedPath,
  }),
]);

export const HttpMethodSchema = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export const ResourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
  name: z.string().min(1).max(100).optional(),
  path: z.string().startsWith('/'),
  methods: z.array(HttpMethodSchema).min(1),
  recordsPath: dottedPath.optional(),
  pagination: PaginationSchema.optional(),
});

export const ConnectorSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _'),
  name: z.string().min(1).max(100),
  description: z.string().max(1000).optional(),
  docsUrl: httpsOrLocalUrl.optional(),
  /** Image URL or data: URI shown on the Authenticate screen. */
  logo: z.string().max(100_000).optional(),
  /** True for the built-in sandbox: the UI labels it as such. */
  sandbox: z.boolean().optional(),
  auth: z.strictObject({
    type: z.literal('oauth2'),
    authorizationUrl: httpsOrLocalUrl,
    tokenUrl: httpsOrLocalUrl,
    revocationUrl: httpsOrLocalUrl.optional(),
    issuer: httpsOrLocalUrl.optional(),
    defaultScopes: z.array(z.string().min(1).max(200)).max(100).default([]),
    scopeSeparator: z.string().min(1).max(3).default(' '),
    tokenEndpointAuthMethod: z
      .enum(['client_secret_basic', 'client_secret_post'])
      .default('client_secret_basic'),
    pkce: z.boolean().default(false),
    authorizationParams: z.record(z.string(), z.string()).default({}),
  }),
  api: z.strictObject({
    /** Without a trailing slash (the catalog strips one). */
    baseUrl: httpsOrLocalUrl,
    headers: z.record(headerName, headerValue).default({}),
    test: z
      .strictObject({ method: HttpMethodSchema.default('GET'), path: z.string().startsWith('/') })
      .optional(),
  }),
  resources: z.array(ResourceSchema).default([]),
});

export type Connector = z.infer<typeof ConnectorSchema>;
export type ConnectorInput = z.input<typeof ConnectorSchema>;
export type Resource = z.infer<typeof ResourceSchema>;
export type Pagination = z.infer<typeof PaginationSchema>;
