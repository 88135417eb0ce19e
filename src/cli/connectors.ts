/** `latchkey connectors check FILE…`: validate connector definitions before deploying them. */
import { ConnectorDefinitionError, loadConnectorFile } from '../connectors/index.js';
import { parse, printJson, UsageError } from './args.js';

const HELP = `Usage: latchkey connectors check FILE... [--json]

Validate connector definitions (the JSON format of docs/connectors.md). Exit code 0 when every file is valid,
1 otherwise; each problem names its file and field.
`;

export async function connectorsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(HELP);
    return sub ? 0 : 2;
  }
  if (sub !== 'check') throw new UsageError(`unknown connectors command "${sub}"`);
  const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, true);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one connector file');
  const results = positionals.map((file) => {
    try {
      const c = loadConnectorFile(file);
      return { file, ok: true as const, id: c.id, resources: c.resources.map((r) => r.id) };
    } catch (err) {
      if (err instanceof ConnectorDefinitionError)
        return { file, ok: false as const, field: err.field, error: err.message };
      return { file, ok: false as const, field: '', error: (err as Error).message };
    }
  });
  if (values.json) printJson({ results });
  else {
    for (const r of results) {
      if (r.ok)
        process.stdout.write(
          `ok     ${r.file}: connector "${r.id}"${r.resources.length ? ` (resources: ${r.resources.join(', ')})` : ''}\n`,
        );
      else process.stdout.write(`error  ${r.error}\n`);
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
