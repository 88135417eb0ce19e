/**
 * The catalog: the built-in definitions in `connectors/` at the repository root, then the files of
 * LATCHKEY_CONNECTORS_DIR (an equal `id` overrides a built-in), then runtime ones (the sandbox).
 * An invalid definition is reported with its file and field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectorSchema, type Connector, type ConnectorInput } from './schema.js';

export class ConnectorDefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`invalid connector definition ${file}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'ConnectorDefinitionError';
  }
}

/** The folder of built-in definitions (the repository's `connectors/`, also from `dist/`). */
export function builtinConnectorsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'connectors');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('built-in connectors folder not found');
}

/** Validate one definition; `source` names it in errors. */
export function parseConnector(input: unknown, source: string): Connector {
  const parsed = ConnectorSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConnectorDefinitionError(source, issue.path.join('.'), issue.message);
  }
  const connector = parsed.data;
  connector.api.baseUrl = connector.api.baseUrl.replace(/\/+$/, '');
  return connector;
}

export function loadConnectorFile(file: string): Connector {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConnectorDefinitionError(file, '', `not valid JSON (${(err as Error).message})`);
  }
  const connector = parseConnector(json, file);
  const expected = path.basename(file, '.json');
  if (connector.id !== expected) {
    throw new ConnectorDefinitionError(
      file,
      'id',
      `"${connector.id}" must match the file name "${expected}.json"`,
    );
  }
  return connector;
}

export function loadConnectorDir(dir: string): Connector[] {
  if (!fs.existsSync(dir)) throw new ConnectorDefinitionError(dir, '', 'folder does not exist');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadConnectorFile(path.join(dir, f)));
}

export class Catalog {
  readonly #byId = new Map<string, Connector>();

  constructor(connectors: Connector[]) {
    for (const c of connectors) this.#byId.set(c.id, c);
  }

  get(id: string): Connector | undefined {
    return this.#byId.get(id);
  }

  list(): Connector[] {
    return [...this.#byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Add or replace a definition (validated). */
  add(input: ConnectorInput, source = 'runtime'): Connector {
    const c = parseConnector(input, source);
    this.#byId.set(c.id, c);
    return c;
  }
}

/** Build the catalog: built-ins, then the override folder. */
export function loadCatalog(options: { builtinDir?: string; extraDir?: string | null } = {}): Catalog {
  const builtins = loadConnectorDir(options.builtinDir ?? builtinConnectorsDir());
  const extra = options.extraDir ? loadConnectorDir(options.extraDir) : [];
  return new Catalog([...builtins, ...extra]);
}
