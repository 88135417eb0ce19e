// tsc does not copy hand-written or generated `.d.ts` files: put the OpenAPI types beside the build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
fs.copyFileSync(path.join(sdk, 'src/schema.d.ts'), path.join(sdk, 'dist/schema.d.ts'));
