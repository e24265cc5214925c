/**
 * Keeps a graphql-ws connection signed in: before the token expires, fetch a fresh one (same
 * user) and send it on the same socket with the `authenticate` mutation. Subscriptions go on
 * without a gap; without this the gateway closes the socket with 4403 at expiry.
 *
 *   let token = await signIn();
 *   const client = createClient({ url, connectionParams: () => ({ authorization: `Bearer ${token}` }) });
 *   const stop = keepSignedIn({ client, refresh: async () => (token = await signIn()) });
 *
 * `connectionParams` as a function matters: after a reconnect graphql-ws calls it again and
 * sends the current token, not the one of the first connection.
 */
import type { Client } from 'graphql-ws';

const AUTHENTICATE = 'mutation Renew($token: String!) { authenticate(token: $token) { subject expiresAt } }';

export interface KeepSignedInOptions {
  client: Client;
  /** a fresh token of the same user (from your identity provider) */
  refresh: () => Promise<string>;
  /** renew this long before expiry @default 60000 */
  marginMs?: number;
  /** when the current token expires (epoch ms) @default read from the first refresh's answer */
  expiresAt?: number;
  /** called when a renewal fails; the socket will be closed with 4403 at expiry and graphql-ws reconnects with connectionParams */
  onError?: (error: unknown) => void;
  /** called after each renewal with the new expiry (epoch ms) */
  onRenewed?: (expiresAt: number) => void;
  now?: () => number;
}

function authenticate(client: Client, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let expiresAt: number | null = null;
    client.subscribe<{ authenticate: { subject: string; expiresAt: string } }>(
      { query: AUTHENTICATE, variables: { token } },
      {
        next: (result) => {
          if (result.errors?.length) reject(new Error(result.errors.map((e) => e.message).join('; ')));
          else if (result.data) expiresAt = Date.parse(result.data.authenticate.expiresAt);
        },
        error: reject,
        complete: () => (expiresAt === null ? reject(new Error('authenticate: no answer')) : resolve(expiresAt)),
      },
    );
  });
}

/** Renews the connection's token before each expiry until the returned function is called. */
export function keepSignedIn(options: KeepSignedInOptions): () => void {
  const { client, refresh, marginMs = 60_000, onError = () => {}, onRenewed = () => {}, now = Date.now } = options;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const schedule = (expiresAt: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void renew(), Math.max(0, expiresAt - marginMs - now()));
  };
  const renew = async (): Promise<void> => {
    try {
      const expiresAt = await authenticate(client, await refresh());
      onRenewed(expiresAt);
      schedule(expiresAt);
    } catch (error) {
      onError(error);
    }
  };
  if (options.expiresAt !== undefined) schedule(options.expiresAt);
  else void renew();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
