import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { builtinModules } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wsClient } from '../helpers/clients.js';
import { AsyncQueue, within } from '../helpers/queue.js';
import { ensureBuilt } from '../helpers/build.js';

/**
 * The built gateway as operators run it: `npm start` (npm, then `node dist/main.js` in its
 * place) and `node dist/main.js`, stopped by signals sent to the npm process.
 */
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'gateway-lifecycle-'));
const started = new Set<ChildProcess>();

beforeAll(() => {
  // `npm ci` builds dist/ (prepare); a tree edited since is built again
  const build = ensureBuilt();
  if (build) expect(build.status, build.output).toBe(0);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  let left = 0;
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      left++;
    }
  }
  started.clear();
  expect(left).toBe(0);
});

interface Started {
  child: ChildProcess;
  logs: AsyncQueue<Record<string, unknown>>;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(command: string, args: string[], env: Record<string, string>): Started {
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const logs = new AsyncQueue<Record<string, unknown>>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ msg: line, unparsed: true });
    }
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, logs, stderr, exited };
}

async function npmStart(env: Record<string, string>): Promise<Started & { url: string; wsUrl: string; gatewayPid: number }> {
  const run = start('npm', ['start', '--silent'], env);
  const line = await within(
    Promise.race([
      run.logs.find((l) => typeof l.ws === 'string' && String(l.msg).includes('listening')),
      run.exited.then((e) => {
        throw new Error(`npm start exited early (${JSON.stringify(e)}): ${run.stderr.join('')}`);
      }),
    ]),
    60_000,
    'npm start to listen',
  );
  // npm runs the gateway in place of the shell (`exec node dist/main.js`): its only child
  const children = readFileSync(`/proc/${run.child.pid}/task/${run.child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  expect(children).toHaveLength(1);
  expect(readFileSync(`/proc/${children[0]}/cmdline`, 'utf8').split('\0')).toEqual(['node', 'dist/main.js', '']);
  return { ...run, url: String(line.url).replace(/\/graphql$/, ''), wsUrl: String(line.ws), gatewayPid: children[0]! };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A GraphQL POST held in flight: its headers are sent with `Expect: 100-continue`, so the
 * `continue` event proves the gateway is handling it; `finish()` sends the body and resolves
 * with the response.
 */
async function requestInFlight(url: string): Promise<{ finish(): Promise<{ status: number; body: string }>; cut: Promise<boolean> }> {
  const body = JSON.stringify({ query: '{ __typename }' });
  const req: ClientRequest = request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
  });
  const response = new Promise<IncomingMessage>((done, fail) => {
    req.once('response', done);
    req.once('error', fail);
  });
  const cut = response.then(
    () => false,
    () => true,
  );
  await new Promise<void>((done) => req.once('continue', done));
  return {
    cut,
    async finish() {
      req.end(body);
      const res = await response;
      let text = '';
      for await (const chunk of res) text += String(chunk);
      return { status: res.statusCode ?? 0, body: text };
    },
  };
}

describe('the built gateway (npm start)', () => {
  it('serves a live price; SIGTERM to npm: /ready 503 at once, WebSockets closed with 1001, the request in flight answered, the gateway gone, exit 0', async () => {
    const gw = await npmStart({ DATABASE_PATH: join(dir, 'drain.sqlite'), SHUTDOWN_DRAIN_MS: '60000' });
    const ws = wsClient(gw.wsUrl);
    const closed = new Promise<number>((done) => ws.client.on('closed', (event) => done((event as { code: number }).code)));
    const price = (await within(ws.subscribe('subscription { priceUpdated { id ask } }').nextData(), 30_000, 'a live price')).priceUpdated as { id: string; ask: string };
    expect(price.id).toMatch(/^[A-Z0-9]+:[A-Z]{3}$/);
    expect(price.ask).toMatch(/^\d+(\.\d+)?$/);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(200);

    const held = await requestInFlight(gw.url);
    gw.child.kill('SIGTERM');
    await within(gw.logs.find((l) => String(l.msg).startsWith('draining')), 30_000, 'the drain to start');
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'shutting down' });
    expect(await within(closed, 30_000, 'the WebSocket to close')).toBe(1001);
    expect(gw.child.exitCode).toBeNull();

    const answer = await held.finish();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
    expect(await within(gw.exited, 30_000, 'npm to exit')).toEqual({ code: 0, signal: null });
    expect(isRunning(gw.gatewayPid)).toBe(false);

    const messages = gw.logs.all.map((l) => String(l.msg));
    const order = ['shutting down', 'draining', 'drained', 'stopped'].map((m) => messages.findIndex((x) => x.startsWith(m)));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(gw.logs.all.find((l) => String(l.msg).startsWith('drained'))).toMatchObject({ cut: 0 });
    await ws.dispose();
  });

  it('exits at once on a second signal while draining', async () => {
    const gw = await npmStart({ DATABASE_PATH: join(dir, 'twice.sqlite'), SHUTDOWN_DRAIN_MS: '600000' });
    const held = await requestInFlight(gw.url);
    gw.child.kill('SIGTERM');
    await within(gw.logs.find((l) => String(l.msg).startsWith('draining')), 30_000, 'the drain to start');
    gw.child.kill('SIGTERM');
    const exit = await within(gw.exited, 30_000, 'npm to exit');
    expect(exit.code).not.toBe(0);
    expect(isRunning(gw.gatewayPid)).toBe(false);
    expect(gw.logs.all.some((l) => l.msg === 'second SIGTERM: exiting at once')).toBe(true);
    expect(gw.logs.all.some((l) => l.msg === 'stopped')).toBe(false);
    expect(await held.cut).toBe(true);
  });
});

describe('start-up failures of the built gateway', () => {
  it('names the port in use, in one line, and exits 1', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = start(process.execPath, ['dist/main.js'], { PORT: String(port), DATABASE_PATH: join(dir, 'port.sqlite') });
      expect(await within(run.exited, 60_000, 'the gateway to exit')).toEqual({ code: 1, signal: null });
      expect(run.stderr.join('')).toBe(`Could not start: port ${port} on 127.0.0.1 is already in use; stop what listens there or set PORT to a free port\n`);
      expect(run.logs.all.some((l) => /WebSocket|stack/i.test(JSON.stringify(l)))).toBe(false);
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });

  it('names a DATABASE_PATH that cannot be written, in one line, and exits 1', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const path = join(file, 'gateway.sqlite');
    const run = start(process.execPath, ['dist/main.js'], { DATABASE_PATH: path });
    expect(await within(run.exited, 60_000, 'the gateway to exit')).toEqual({ code: 1, signal: null });
    const lines = run.stderr.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Could not start: DATABASE_PATH ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be opened for writing: \\S`));
  });
});

describe('dist/', () => {
  it('imports at run time only dependencies (a production install has no devDependencies)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const imported = new Set<string>();
    const walk = (path: string): void => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        const full = join(path, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.js')) {
          const text = readFileSync(full, 'utf8');
          for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)) imported.add(m[1]!);
        }
      }
    };
    walk(join(root, 'dist'));
    const packages = [...imported]
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtins.has(s))
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
    expect(packages.length).toBeGreaterThan(5);
    expect([...new Set(packages)].filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });
});
