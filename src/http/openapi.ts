/** The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with, and /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Latchkey API',
        version,
        description:
          'Self-hosted OAuth credential broker. Errors are `{"error":{"code","message"}}`. ' +
          'Authenticate with `Authorization: Bearer <api key>`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A Latchkey API key (lk_…)' },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: (input) => {
      if (!input.url.startsWith('/api/') && !['/healthz', '/readyz', '/oauth/callback'].includes(input.url)) {
        return { schema: { ...input.schema, hide: true }, url: input.url };
      }
      return jsonSchemaTransform(input);
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // No validator badge: it would load an image from validator.swagger.io (the CSP allows only this origin).
    uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
  });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}
