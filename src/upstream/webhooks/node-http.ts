import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { WebhookReceiver, WebhookResponse } from './receiver.js';

/**
 * The webhook receiver on a Node HTTP request: reads the raw body up to the receiver's limit
 * (a `Content-Length` over it is answered before reading; a body that grows over it stops
 * being kept, is answered with 413 and drained for at most `drainBytes` more, then the
 * connection is dropped), hands every field line apart (`headersDistinct`) and writes the
 * answer. Resolves with the answer, or null when the client went away first.
 */
export async function handleWebhookHttp(
  receiver: WebhookReceiver,
  req: IncomingMessage,
  res: ServerResponse,
  options: { drainBytes?: number } = {},
): Promise<WebhookResponse | null> {
  const { drainBytes = 1024 * 1024 } = options;
  const limit = receiver.maxBodyBytes;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return refuseTooLarge(receiver.tooLarge(declared), req, res, 0, limit + drainBytes);
  const body = await readLimited(req, limit);
  if (body === null) return null;
  if (body.length > limit) return refuseTooLarge(receiver.tooLarge(body.length), req, res, body.length, limit + drainBytes);
  const answer = await receiver.handle({
    method: req.method ?? '',
    path: req.url ?? '/',
    headers: req.headersDistinct,
    rawBody: body,
    scheme: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
  });
  write(res, answer);
  return answer;
}

/** The body, or the first chunks past `limit` (so its length says it is over), or null on abort. */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (value: Buffer | null): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      if (length > limit) {
        req.pause();
        finish(Buffer.concat(chunks));
      }
    };
    const onEnd = (): void => finish(Buffer.concat(chunks, length));
    const onAbort = (): void => {
      if (!req.complete) finish(null);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}

function refuseTooLarge(answer: WebhookResponse, req: IncomingMessage, res: ServerResponse, seen: number, cap: number): WebhookResponse {
  write(res, answer);
  let drained = seen;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > cap) req.destroy();
  });
  req.resume();
  return answer;
}

function write(res: ServerResponse, answer: WebhookResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers = answer.body === null ? answer.headers : { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) };
  res.writeHead(answer.status, headers);
  res.end(answer.body ?? undefined);
}
