import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../http/errors.js';
import { ErrorResponse } from '../http/schemas.js';
import type { Catalog } from './catalog.js';
import { ConnectorSchema } from './schema.js';

const ConnectorView = ConnectorSchema;
const tags = ['connectors'];

export const connectorRoutes: FastifyPluginAsync<{ catalog: Catalog }> = async (app, { catalog }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/connectors',
    {
      config: { permission: 'credentials:read' },
      schema: {
        tags,
        summary: 'The connector catalog',
        response: { 200: z.object({ items: z.array(ConnectorView) }), 401: ErrorResponse },
      },
    },
    async () => ({ items: catalog.list() }),
  );
  r.get(
    '/api/v1/connectors/:id',
    {
      config: { permission: 'credentials:read' },
      schema: {
        tags,
        summary: 'One connector definition',
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        response: { 200: ConnectorView, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (req) => {
      const c = catalog.get(req.params.id);
      if (!c) throw notFound('connector');
      return c;
    },
  );
};
