/**
 * Secrets for the command line never come from its arguments (shell history, `ps`): they are read from
 * standard input, or typed at a prompt that does not echo them.
 */
import { UsageError } from './args.js';

/** The whole of standard input as one secret: one trailing line break is dropped; more lines are refused. */
export async function readSecretFromStdin(what: string, stdin: NodeJS.ReadableStream = process.stdin) {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const value = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!value) throw new UsageError(`${what}: standard input was empty`);
  if (/[\r\n]/.test(value)) throw new UsageError(`${what}: standard input must hold one line`);
  return value;
}

/** Ask on the terminal without echo (raw mode): Enter ends, Backspace erases, Ctrl-C aborts. */
export function promptSecret(label: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(
      new UsageError(`${label}: no terminal to ask on; pipe it with --client-secret-stdin`),
    );
  }
  process.stderr.write(`${label}: `);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          if (!value) reject(new UsageError(`${label}: nothing was typed`));
          else resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new UsageError(`${label}: cancelled`));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
