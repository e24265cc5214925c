import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** Whether dist/ was built from src/ as it is now: `npm ci` builds it (prepare); an edit to src/ since makes it stale. */
export function isBuilt(): boolean {
  const main = join(root, 'dist/main.js');
  return existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(root, 'src'));
}

/** Builds dist/ (`npm run build`) unless it is current; the build's exit status and output, or null when it was current. */
export function ensureBuilt(): { status: number | null; output: string } | null {
  if (isBuilt()) return null;
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  return { status: build.status, output: build.stdout + build.stderr };
}
