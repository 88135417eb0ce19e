// `npm start`: build if needed, then run the server on the embedded default with the sandbox provider on.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await import('./ensure-built.mjs');
process.env.LATCHKEY_SANDBOX ??= '1';
const main = path.join(root, 'dist/src/cli/main.js');
process.argv = [process.argv[0], main, 'start', ...process.argv.slice(2)];
await import(pathToFileURL(main).href);
