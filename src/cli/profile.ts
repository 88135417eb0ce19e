/**
 * Which server a remote command talks to, with which API key: `--profile NAME` (or `LATCHKEY_PROFILE`) picks
 * `profiles.NAME` of the config file; otherwise `LATCHKEY_URL` / `LATCHKEY_API_KEY`, then the file's
 * top-level `url` / `apiKey`, then http://127.0.0.1:3000. The file is `$LATCHKEY_CONFIG`, else
 * `$XDG_CONFIG_HOME/latchkey/config.json`, else `~/.config/latchkey/config.json`:
 *
 *   { "url": "http://127.0.0.1:3000", "apiKey": "lk_…", "profiles": { "prod": { "url": "…", "apiKey": "lk_…" } } }
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from './args.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

const Section = z.strictObject({
  url: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
});
const ConfigFile = Section.extend({ profiles: z.record(z.string(), Section).optional() });
type ConfigFile = z.infer<typeof ConfigFile>;

export interface Connection {
  url: string;
  apiKey: string | null;
  /** Where `url` came from, for messages: a variable, the config file, or the default. */
  urlFrom: string;
}

type Env = Record<string, string | undefined>;

export function configPath(env: Env): string {
  if (env.LATCHKEY_CONFIG) return path.resolve(env.LATCHKEY_CONFIG);
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'latchkey', 'config.json');
}

function readConfig(file: string, warn: (line: string) => void): ConfigFile | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not valid JSON`);
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'the file';
    throw new UsageError(`${file}: ${where}: ${issue.message} (expected {"url", "apiKey", "profiles": {…}})`);
  }
  if (process.platform !== 'win32' && (parsed.data.apiKey || parsed.data.profiles)) {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) warn(`warning: ${file} holds API keys and is readable by others: chmod 600 ${file}`);
  }
  return parsed.data;
}

/** Take `--profile NAME` / `--profile=NAME` out of a command's arguments. */
export function takeProfile(argv: string[]): { profile: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let profile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--profile') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) throw new UsageError('--profile needs a NAME');
      profile = next;
      i++;
    } else if (arg.startsWith('--profile=')) {
      profile = arg.slice('--profile='.length);
      if (!profile) throw new UsageError('--profile needs a NAME');
    } else rest.push(arg);
  }
  return { profile, rest };
}

export function resolveConnection(
  env: Env,
  profile: string | undefined = env.LATCHKEY_PROFILE || undefined,
  warn: (line: string) => void = (line) => process.stderr.write(`latchkey: ${line}\n`),
): Connection {
  const file = configPath(env);
  const config = readConfig(file, warn);
  if (profile !== undefined) {
    const section = config?.profiles?.[profile];
    if (!section) {
      const known = Object.keys(config?.profiles ?? {});
      throw new UsageError(
        config
          ? `no profile "${profile}" in ${file}${known.length ? ` (profiles: ${known.join(', ')})` : ''}`
          : `no profile "${profile}": ${file} does not exist`,
      );
    }
    return {
      url: section.url || env.LATCHKEY_URL || DEFAULT_URL,
      apiKey: section.apiKey || env.LATCHKEY_API_KEY || null,
      urlFrom: section.url
        ? `profile "${profile}" of ${file}`
        : env.LATCHKEY_URL
          ? 'LATCHKEY_URL'
          : 'the default',
    };
  }
  return {
    url: env.LATCHKEY_URL || config?.url || DEFAULT_URL,
    apiKey: env.LATCHKEY_API_KEY || config?.apiKey || null,
    urlFrom: env.LATCHKEY_URL ? 'LATCHKEY_URL' : config?.url ? file : 'the default',
  };
}
