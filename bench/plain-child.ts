import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
/** where G1 loads the gateway from, as `npm start` does */
export const DIST = join(ROOT, 'dist');

let cleanupRegistered = false;

const LOCAL_IMPORT = /from '\.\/([\w-]+)\.js'/g;

/**
 * `bench/<file>` and the bench files it imports, as plain JavaScript in a temporary directory:
 * its process then runs on plain `node`, without tsx's loader (which resolves and loads every
 * module of the process, the gateway's ~800 included, through its hooks).
 */
export function plainBenchChild(file: string): string {
  const out = join(tmpdir(), `bench-plain-${process.pid}`);
  mkdirSync(out, { recursive: true });
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  }
  const todo = [file];
  const done = new Set<string>();
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (done.has(name)) continue;
    done.add(name);
    const source = readFileSync(join(BENCH, name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: name,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    // type-only imports are gone from the output: only what runs is followed
    for (const match of outputText.matchAll(LOCAL_IMPORT)) todo.push(`${match[1]}.ts`);
    writeFileSync(join(out, name.replace(/\.ts$/, '.mjs')), outputText.replaceAll(LOCAL_IMPORT, "from './$1.mjs'"));
  }
  return join(out, file.replace(/\.ts$/, '.mjs'));
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ (`npm run build`) when it is missing or older than src/; says so through `log`. */
export function ensureDist(log: (line: string) => void): void {
  let built = 0;
  try {
    built = statSync(join(DIST, 'main.js')).mtimeMs;
  } catch {
    // not built yet
  }
  if (built > 0 && built >= newestMtime(join(ROOT, 'src'))) return;
  log(`G1 runs from dist/ as \`npm start\` does; ${built > 0 ? 'src/ changed since it was built' : 'there is none yet'}: npm run build`);
  const { status, error } = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
  if (status !== 0) throw new Error(`npm run build: expected exit code 0, got ${status ?? error?.message}`);
}
