// `npm run build` (and `prepare`, run by `npm install` and `npm ci`): src/ → dist/ as plain
// JavaScript. A production install (`npm ci --omit=dev`) has no compiler: it keeps the dist/
// already built, and fails only when there is none.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const preparing = process.argv.includes('--prepare');

let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (preparing && existsSync(join(dist, 'main.js'))) {
    console.log('build: no TypeScript compiler (production install); using the existing dist/');
    process.exit(0);
  }
  console.error('build: the TypeScript compiler is not installed and there is no dist/ yet; run `npm install` (with dev dependencies) first');
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
const { status } = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(status ?? 1);
