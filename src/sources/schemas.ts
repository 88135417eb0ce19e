/**
 * The contract of sources, destinations and their runs (DESIGN §5): request bodies, queries and the
 * response allow-lists. The routes validate with these, OpenAPI is generated from them, the UI imports
 * their inferred types.
 */
import { z } from 'zod';
import { IdParams, lineText, PageQuery } from '../http/schemas.js';

export const DATA_KINDS = ['source', 'destination'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINISHED_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

const connectorId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'not a connector id');
const resourceId = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'not a resource id');
const rowId = IdParams.shape.id;

/** Size limits of `params`. */
export const PARAMS_LIMITS = { keys: 50, values: 50, valueLength: 1000, jsonBytes: 8192 } as const;

const paramName = z
  .string()
  .min(1, 'a parameter name must not be empty')
  .max(100, 'a parameter name must be at most 100 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'a parameter name must not contain control characters');
const paramScalar = z.union([
  z
    .string()
    .max(PARAMS_LIMITS.valueLength, `a value must be at most ${PARAMS_LIMITS.valueLength} characters`),
  z.number(),
  z.boolean(),
]);
const paramValue = z.union([paramScalar, z.array(paramScalar).max(PARAMS_LIMITS.values)]);

export const Params = z
  .record(paramName, paramValue)
  .refine((p) => Object.keys(p).length <= PARAMS_LIMITS.keys, `at most ${PARAMS_LIMITS.keys} parameters`)
  .refine(
    (p) => new TextEncoder().encode(JSON.stringify(p)).length <= PARAMS_LIMITS.jsonBytes,
    `at most ${PARAMS_LIMITS.jsonBytes} bytes as JSON`,
  )
  .describe(
    'Extra query parameters sent with every request: a string, number or boolean each, or a list of them (the name is repeated)',
  );
export type Params = z.infer<typeof Params>;

export const CreateDataBody = z.strictObject({
  name: lineText(200),
  connector: connectorId,
  credentialId: rowId.describe('A credential of the same workspace and connector'),
  resource: resourceId.describe('One of the connector’s resources'),
  params: Params.optional(),
});
export type CreateDataInput = z.infer<typeof CreateDataBody>;

export const UpdateDataBody = z
  .strictObject({
    name: lineText(200),
    credentialId: rowId,
    resource: resourceId,
    params: Params,
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');
export type UpdateDataInput = z.infer<typeof UpdateDataBody>;

export const ListDataQuery = z.strictObject({
  connector: connectorId.optional(),
  credentialId: rowId.optional(),
  ...PageQuery,
});
export type ListDataQuery = z.infer<typeof ListDataQuery>;

export const DataView = z.object({
  id: z.string(),
  name: z.string(),
  connector: z.string(),
  credentialId: z.string(),
  resource: z.string(),
  params: z.record(z.string(), paramValue),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DataView = z.infer<typeof DataView>;

export const DataList = z.object({ items: z.array(DataView), nextCursor: z.string().nullable() });

export const PreviewBody = z
  .strictObject({ limit: z.number().int().min(1).max(100).default(10) })
  .default({ limit: 10 });

export const PreviewResponse = z.object({
  records: z.array(z.record(z.string(), z.unknown())).describe('The first records of the first page'),
});

export const TestResponse = z.object({
  ok: z.boolean(),
  status: z.number().nullable(),
  durationMs: z.number(),
  message: z.string(),
});

export const RunView = z.object({
  id: z.string(),
  sourceId: z.string().describe('The source or destination that ran'),
  kind: z.enum(DATA_KINDS),
  status: z.enum(RUN_STATUSES),
  records: z
    .number()
    .describe('Source: records written to the run file. Destination: records the API accepted'),
  pages: z.number().describe('Source: pages read. Destination: 0'),
  failed: z.number().describe('Destination: records that failed (see …/results). Source: 0'),
  total: z
    .number()
    .nullable()
    .describe('Source: the record count the API announced, else null. Destination: the records sent'),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable().describe('Until now while running'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type RunView = z.infer<typeof RunView>;

export const RunList = z.object({ items: z.array(RunView), nextCursor: z.string().nullable() });

export const RunParams = z.strictObject({ id: rowId, runId: rowId });
export const ListRunsQuery = z.strictObject({ ...PageQuery });

export const StartSourceRunBody = z.strictObject({}).default({});

/** Limits of a destination run's input. */
export const PUSH_LIMITS = { bytes: 50 * 1024 * 1024, records: 1_000_000 } as const;

export const PushRecordsBody = z.strictObject({
  records: z.array(z.record(z.string(), z.unknown())).max(PUSH_LIMITS.records),
});

/** One line of a destination run's results file. */
export interface PushResult {
  line: number;
  ok: boolean;
  status: number | null;
  location?: string;
  error?: { code: string; message: string; details?: { field: string; code: string; message: string }[] };
}
