import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/**
 * Whether dist/ was built from src/ as it is now: every source file has its .js in dist/, none
 * older than the newest source (`npm ci` builds it; an edit to src/ since, or a build still
 * writing its files, makes it not current).
 */
export function isBuilt(): boolean {
  const sources = filesUnder(join(root, 'src')).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const newest = Math.max(0, ...sources.map((file) => statSync(file).mtimeMs));
  return sources.every((file) => {
    const built = join(root, 'dist', relative(join(root, 'src'), file).replace(/\.ts$/, '.js'));
    return existsSync(built) && statSync(built).mtimeMs >= newest;
  });
}

/** Builds dist/ (`npm run build`) unless it is current; the build's exit status and output, or null when it was current. */
export function ensureBuilt(): { status: number | null; output: string } | null {
  if (isBuilt()) return null;
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  return { status: build.status, output: build.stdout + build.stderr };
}
