import { describe, expect, it } from 'vitest';
import { parseRecordLine, splitLines, toJsonLines } from './jsonl.js';

describe('JSON Lines', () => {
  it('numbers the non-blank lines, with LF or CRLF', () => {
    expect(splitLines('{"a":1}\r\n\n  \n{"b":2}\n')).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
    ]);
    expect(splitLines('')).toEqual([]);
  });

  it('parses a record per line, or says why not', () => {
    expect(parseRecordLine('{"a":1}')).toEqual({ ok: true, record: { a: 1 } });
    expect(parseRecordLine('{"a":')).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(parseRecordLine('[1]')).toMatchObject({ ok: false, code: 'not_an_object' });
    expect(parseRecordLine('null')).toMatchObject({ ok: false, code: 'not_an_object' });
  });

  it('writes records as lines', () => {
    expect(toJsonLines([{ a: 1 }, { b: 'x\ny' }])).toBe('{"a":1}\n{"b":"x\\ny"}\n');
    expect(toJsonLines([])).toBe('');
  });
});
