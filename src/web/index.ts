/** The web UI capability: serving the built single-page app. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { webPlugin, UI_ROUTES, type WebPluginOptions } from './plugin.js';

/**
 * Where Vite puts the UI: `dist/web` at the repository root, found by walking up to the folder that holds
 * package.json (this module runs from `src/web/` under tests and from `dist/src/web/` when compiled).
 */
export function defaultWebRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'web');
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from, '../../web');
    dir = parent;
  }
}
