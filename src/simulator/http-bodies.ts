import type { IncomingMessage, ServerResponse } from 'node:http';

/** The most a simulator request body may hold. */
export const MAX_BODY = 64 * 1024;

/** Bitpanda's error shape: `{"errors":[{"code","title"}]}`. */
export function errorBody(code: string, title: string): { errors: Array<{ code: string; title: string }> } {
  return { errors: [{ code, title }] };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY) throw new Error(`expected a body of at most ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
