import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, it } from 'vitest';
import type { SuiteFn } from './redis.js';
import { serveOnLoopback, type Served } from './servers.js';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * `describe` when Chromium is installed. Otherwise, under `CI=true`, a suite with one failing
 * test saying what is missing; elsewhere `describe.skip`, with a warning on the console.
 */
export function describeBrowser(): SuiteFn {
  if (existsSync(CHROMIUM_PATH)) return describe;
  const message = `these tests need Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') {
    return (name) =>
      describe(name, () => {
        it('has what it needs', () => {
          throw new Error(`CI=true: ${message}`);
        });
      });
  }
  console.warn(`\n⚠ SKIPPED browser tests: ${message}.\n`);
  return (name, fn) => describe.skip(name, fn);
}

export interface TestBrowser {
  context: BrowserContext;
  /** closes the browser and removes its profile directory */
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile in a temporary directory. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'gateway-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    return {
      context,
      async close() {
        try {
          await context.close();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Serves the files of `dir` (a built page) on a loopback port. */
export function serveDirectory(dir: string): Promise<Served> {
  const base = resolve(dir);
  return serveOnLoopback((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const file = normalize(join(base, path === '/' ? 'index.html' : path));
    if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) return false;
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
    return true;
  });
}
