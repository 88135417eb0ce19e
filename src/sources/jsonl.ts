/** JSON Lines (one JSON value per line, blank lines ignored) as pure functions: the input of destination runs. */

export interface JsonLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
}

/** The non-blank lines of a JSON Lines text, with their line numbers (`\n` or `\r\n`). */
export function splitLines(text: string): JsonLine[] {
  const out: JsonLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.replace(/\r$/, '');
    if (t.trim() !== '') out.push({ line: i + 1, text: t });
  }
  return out;
}

export type ParsedRecord =
  | { ok: true; record: Record<string, unknown> }
  | { ok: false; code: 'invalid_json' | 'not_an_object'; message: string };

/** One line as a record: a JSON object, or why not. */
export function parseRecordLine(text: string): ParsedRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = (err as Error).message.replace(/\s+/g, ' ').slice(0, 120);
    return { ok: false, code: 'invalid_json', message: `the line is not valid JSON (${detail})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: 'not_an_object', message: 'the line is not a JSON object' };
  }
  return { ok: true, record: value as Record<string, unknown> };
}

/** Records as JSON Lines text (each record on its own line, a final newline). */
export function toJsonLines(records: readonly unknown[]): string {
  return records.length === 0 ? '' : records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
