import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { serveOnLoopback, type Served } from './servers.js';

export type TestAlg = 'RS256' | 'ES256' | 'EdDSA';

/** One signing key of a test issuer: the private half signs, the public JWK goes into the JWKS. */
export interface TestKey {
  alg: TestAlg;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function makeKey(alg: TestAlg, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk };
}

export interface MintOptions {
  /** seconds since the epoch the token is issued at @default now */
  iat?: number;
  /** seconds the token lives @default 600 */
  ttl?: number;
  /** a kid other than the key's own */
  kid?: string;
}

/** A signed compact JWT; `claims` may override `sub`, `exp`, `iss`, `aud`, `nbf` (undefined drops one). */
export async function mint(key: TestKey, claims: JWTPayload = {}, options: MintOptions = {}): Promise<string> {
  const iat = options.iat ?? Math.floor(Date.now() / 1000);
  const payload: JWTPayload = { sub: 'user-1', iat, exp: iat + (options.ttl ?? 600), ...claims };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' }).sign(key.privateKey);
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A JWKS on a loopback port that counts its requests; `keys` and `status` may change during a test. */
export interface JwksServer {
  url: string;
  requests: number;
  keys: JWK[];
  status: number;
  close(): Promise<void>;
}

export async function serveJwks(keys: JWK[]): Promise<JwksServer> {
  let served: Served | null = null;
  const state: JwksServer = {
    url: '',
    requests: 0,
    keys,
    status: 200,
    close: () => served!.close(),
  };
  served = await serveOnLoopback((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return false;
    state.requests += 1;
    res.writeHead(state.status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
    return true;
  });
  state.url = `${served.base}/.well-known/jwks.json`;
  return state;
}
