// Build once when the compiled output is missing or older than the sources (run by `npm install` and `npm start`).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  if (!fs.statSync(dir).isDirectory()) return fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function stale(marker, ...sources) {
  if (!fs.existsSync(marker)) return true;
  const built = fs.statSync(marker).mtimeMs;
  return sources.some((s) => newestMtime(path.join(root, s)) > built);
}

const serverMarker = path.join(root, 'dist/src/cli/main.js');
if (stale(serverMarker, 'src', 'tsconfig.json', 'tsconfig.build.json')) {
  process.stderr.write('building the server (tsc)…\n');
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  fs.utimesSync(serverMarker, new Date(), new Date());
}

const webDir = path.join(root, 'web');
const webMarker = path.join(root, 'dist/web/index.html');
// The UI bundles the server's zod-only contract modules it imports (its types and the role table).
const webInputs = [
  'web',
  'src/credentials',
  'src/connectors/schema.ts',
  'src/auth/schemas.ts',
  'src/auth/permissions.ts',
  'src/sources/schemas.ts',
  'src/audit/schemas.ts',
  'src/webhooks/schemas.ts',
  'src/http/schemas.ts',
];
if (fs.existsSync(path.join(webDir, 'index.html')) && stale(webMarker, ...webInputs)) {
  process.stderr.write('building the web UI (vite)…\n');
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
