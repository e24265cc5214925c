import { Writable } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { useGraphiQLPage } from '../../src/server/graphiql-page.js';
import { startTestGateway, stopLeftovers, type TestGateway } from '../helpers/gateway.js';
import { sseClient } from '../helpers/clients.js';
import { startYoga } from '../helpers/limited-yoga.js';
import { gauge, metric } from '../fanout/raw-client.js';

/** Log lines as parsed JSON, for what a gateway logs. */
function logCapture(): { lines: Array<Record<string, any>>; text: () => string; stream: Writable } {
  const lines: Array<Record<string, any>> = [];
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, text: () => chunks.join(''), stream };
}

/** The upgrade's outcome: 'open', or the HTTP status it was refused with. */
function upgrade(url: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', origin ? { origin } : {});
    ws.once('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => {});
  });
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers: { accept: 'application/graphql-response+json', ...headers } });

let open: TestGateway;
let strict: TestGateway;
const logs = logCapture();
beforeAll(async () => {
  open = await startTestGateway();
  strict = await startTestGateway(
    { corsOrigins: ['https://app.example'], graphiql: false, maxTokens: 100_000 },
    { logger: createLogger({ level: 'info', destination: logs.stream }) },
  );
});
afterAll(async () => {
  await open.stop();
  await strict.stop();
  expect(await stopLeftovers()).toBe(0);
});

describe('CORS_ORIGINS', () => {
  it('on the built-in simulator any page may call, never with credentials', async () => {
    const response = await fetch(open.server.graphqlUrl, { method: 'OPTIONS', headers: { origin: 'https://any.example', 'access-control-request-method': 'POST' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://any.example');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await upgrade(open.server.wsUrl, 'https://any.example')).toBe('open');
  });

  it('with a list, only those origins (and the gateway itself) get CORS and WebSocket upgrades', async () => {
    const allowed = await fetch(strict.server.graphqlUrl, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(strict.server.graphqlUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(await upgrade(strict.server.wsUrl, 'https://evil.example')).toBe(403);
    expect(await upgrade(strict.server.wsUrl, 'https://app.example')).toBe('open');
    expect(await upgrade(strict.server.wsUrl, new URL(strict.server.url).origin)).toBe('open');
    // not a browser: no Origin
    expect(await upgrade(strict.server.wsUrl)).toBe('open');
  });
});

describe("Yoga's CSRF prevention", () => {
  const query = `?query=${encodeURIComponent('{ __typename }')}`;

  it('refuses a GET or a form POST without a preflight header (403, coded); JSON POSTs and GETs with the header pass', async () => {
    const bare = await get(`${open.server.graphqlUrl}${query}`);
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as any).errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
    const form = await fetch(open.server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(form.status).toBe(403);
    for (const header of ['x-graphql-yoga-csrf', 'apollo-require-preflight']) {
      const marked = await get(`${open.server.graphqlUrl}${query}`, { [header]: '1' });
      expect([header, marked.status]).toEqual([header, 200]);
    }
    const json = await fetch(open.server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(json.status).toBe(200);
  });
});

describe('client mistakes are client errors', () => {
  it('bad GET variables are a 400 BAD_REQUEST, not a 500', async () => {
    const response = await get(`${strict.server.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}&variables=%7Bnope`, { 'x-graphql-yoga-csrf': '1' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('a list literal nested thousands deep is a 400, not a 500', async () => {
    const n = 6000;
    const query = `{ prices(filter: { assets: ${'['.repeat(n)}"BTC"${']'.repeat(n)} }) { id } }`;
    const response = await fetch(strict.server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query }) });
    expect(response.status).toBe(400);
    expect(typeof ((await response.json()) as any).errors[0].extensions.code).toBe('string');
  });

  it('a masked 500 is logged with the real error and its stack', async () => {
    const prices = strict.services.store.prices;
    const original = prices.listPrices;
    prices.listPrices = () => {
      throw new Error('the price cache exploded at https://user:hunter2@cache.example');
    };
    try {
      const response = await fetch(strict.server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ prices { id } }' }) });
      const body = (await response.json()) as any;
      expect(body.errors[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    } finally {
      prices.listPrices = original;
    }
    const line = logs.lines.find((l) => l.err?.message?.includes('the price cache exploded'));
    expect(line?.err.stack).toMatch(/listPrices|Error: the price cache exploded/);
    expect(logs.text()).not.toContain('hunter2');
    expect(logs.text()).not.toContain('{"yoga":[{}]}');
  });
});

describe('GraphiQL', () => {
  it('GRAPHIQL=false serves no page', async () => {
    const response = await get(strict.server.graphqlUrl, { accept: 'text/html' });
    expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
  });

  it('is served with an ETag and Cache-Control, and a revalidation costs a 304', async () => {
    const first = await get(open.server.graphqlUrl, { accept: 'text/html' });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    expect((await first.text()).length).toBeGreaterThan(1_000_000);
    const again = await get(open.server.graphqlUrl, { accept: 'text/html', 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('goes out compressed (br, else gzip) once compressed, identical once decoded', async () => {
    let compressed!: () => void;
    const ready = new Promise<void>((resolve) => (compressed = resolve));
    const html = `<!doctype html><title>t</title>${'<p>GraphiQL</p>'.repeat(20_000)}`;
    const yoga = await startYoga([useGraphiQLPage({ path: '/graphql', render: () => html, onCompressed: () => compressed() })]);
    try {
      const raw = (encoding: string) => fetch(yoga.url, { headers: { accept: 'text/html', 'accept-encoding': encoding } });
      expect((await raw('br, gzip')).headers.get('content-encoding')).toBeNull();
      await ready;
      // Node's fetch decodes: read the encoded bytes through a plain HTTP request instead
      const bytes = async (encoding: string) => {
        const { request } = await import('node:http');
        return new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
          request(yoga.url, { headers: { accept: 'text/html', 'accept-encoding': encoding } }, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (d: Buffer) => parts.push(d)).on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(parts) }));
          })
            .on('error', reject)
            .end();
        });
      };
      const br = await bytes('gzip, deflate, br');
      expect(br.encoding).toBe('br');
      expect(brotliDecompressSync(br.body).toString()).toBe(html);
      expect(br.body.length).toBeLessThan(html.length / 10);
      const gz = await bytes('gzip');
      expect(gz.encoding).toBe('gzip');
      expect(gunzipSync(gz.body).toString()).toBe(html);
      const plain = await bytes('identity');
      expect([plain.encoding, plain.body.toString()]).toEqual([undefined, html]);
    } finally {
      await yoga.stop();
    }
  });
});

describe('SSE streams', () => {
  it('are counted in graphql_sse_streams while open', async () => {
    expect(await metric(open, 'graphql_sse_streams')).toBe(0);
    const client = sseClient(open.server.graphqlUrl);
    const subscription = client.subscribe('subscription { priceUpdated { id } }');
    await gauge(open, 'graphql_sse_streams', 1);
    subscription.dispose();
    client.dispose();
    await gauge(open, 'graphql_sse_streams', 0);
  });
});
