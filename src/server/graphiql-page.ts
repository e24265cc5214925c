import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

export interface GraphiQLPageOptions {
  /** where GraphiQL is served (the GraphQL endpoint) */
  path: string;
  /** the page's HTML; called once, at the first request */
  render: () => string | Promise<string>;
  /** how long a browser may reuse the page before revalidating it by its ETag @default 300 */
  maxAgeSeconds?: number;
  /** called once both compressed forms are ready (tests) */
  onCompressed?: () => void;
}

interface Page {
  etag: string;
  identity: Uint8Array;
  /** set once compressed, off the event loop; until then the page goes out as it is */
  gzip: Uint8Array | null;
  br: Uint8Array | null;
}

function buildPage(html: string, onCompressed: () => void): Page {
  const identity = Buffer.from(html);
  const page: Page = { etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`, identity, gzip: null, br: null };
  void Promise.all([
    gzipAsync(identity, { level: 6 }).then((gz) => (page.gzip = gz)),
    // quality 5 compresses the ~9 MB page in a fraction of a second, close to the best ratio
    brotliAsync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }).then((br) => (page.br = br)),
  ]).then(onCompressed, () => {});
  return page;
}

/** The encoding to send: br, then gzip, when the client accepts it (`;q=0` refuses). */
export function pickEncoding(acceptEncoding: string | null): 'br' | 'gzip' | 'identity' {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) continue;
    accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

/**
 * GraphiQL, rendered once and compressed once (gzip and brotli, off the event loop, on the first
 * load, which gets the page as it is), served with an ETag and Cache-Control: a reload costs a
 * 304, a first load a fraction of the 9 MB page.
 * Yoga renders and sends the whole page uncompressed on every load.
 */
export function useGraphiQLPage(options: GraphiQLPageOptions): Plugin {
  const { path, render, maxAgeSeconds = 300, onCompressed = () => {} } = options;
  let rendered: Promise<Page> | null = null;
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || !request.headers.get('accept')?.includes('text/html')) return;
      if (url.pathname !== path && url.pathname !== `${path}/`) return;
      rendered ??= Promise.resolve(render()).then((html) => buildPage(html, onCompressed));
      return rendered.then((page) => {
        const { status, headers, body } = pageResponse(page, request.headers, maxAgeSeconds);
        endResponse(new fetchAPI.Response(body as Uint8Array<ArrayBuffer> | null, { status, headers }));
      });
    },
  };
}

/** 304 for a matching If-None-Match, else the page in the best encoding ready that the client accepts. */
function pageResponse(page: Page, request: Headers, maxAgeSeconds: number): { status: number; headers: Record<string, string>; body: Uint8Array | null } {
  const headers: Record<string, string> = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': `public, max-age=${maxAgeSeconds}`,
    etag: page.etag,
    vary: 'Accept-Encoding',
  };
  if (request.get('if-none-match')?.split(',').some((tag) => tag.trim() === page.etag)) return { status: 304, headers, body: null };
  const encoding = pickEncoding(request.get('accept-encoding'));
  const compressed = encoding === 'identity' ? null : page[encoding];
  if (compressed) headers['content-encoding'] = encoding;
  return { status: 200, headers, body: compressed ?? page.identity };
}
