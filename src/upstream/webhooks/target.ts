/**
 * The target URI the sender signed, as seen from outside. Behind a proxy the request's own Host
 * and path are not what Bitpanda posted to, so with a public base URL (`BITPANDA_WEBHOOK_URL`)
 * the target is that URL plus the request path's tail after the receiver's mount point:
 * `https://gw.example.com/webhooks/bitpanda` + `/user.update`. Without one, it is the
 * request's own scheme, Host and path.
 */

export interface PublicTarget {
  /** lowercase, without ':' */
  scheme: string;
  /** lowercase host, with the port unless it is the scheme's default */
  authority: string;
  /** absolute path as sent (percent-encoding untouched), never empty */
  path: string;
  /** the query without its '?', null when the request target had no '?' */
  query: string | null;
}

export interface TargetRequest {
  /** the request target: path and query, e.g. `/webhooks/bitpanda/user.update` */
  path: string;
  /** the Host field value, null when absent */
  host: string | null;
  scheme: 'http' | 'https';
}

export type TargetResolver = (request: TargetRequest) => PublicTarget | null;

export const DEFAULT_MOUNT_PATH = '/webhooks/bitpanda';

/** Validates the public base URL once; throws a message naming `variable` when it is unusable. */
export function createTargetResolver(
  options: { publicUrl?: string | undefined; mountPath?: string; variable?: string } = {},
): TargetResolver {
  const { publicUrl, mountPath = DEFAULT_MOUNT_PATH, variable = 'BITPANDA_WEBHOOK_URL' } = options;
  const mount = mountPath.replace(/\/+$/, '');
  if (publicUrl === undefined || publicUrl === '') {
    return ({ path, host, scheme }) => {
      const authority = host === null ? null : parseAuthority(scheme, host);
      return authority === null ? null : { scheme, authority, ...splitTarget(path) };
    };
  }
  const base = parsePublicUrl(publicUrl, variable);
  const basePath = base.pathname.replace(/\/+$/, '');
  const scheme = base.protocol.slice(0, -1);
  return ({ path }) => {
    const { path: local, query } = splitTarget(path);
    const tail = local.startsWith(mount) ? local.slice(mount.length) : local;
    return { scheme, authority: base.host, path: basePath + tail || '/', query };
  };
}

export function targetUri(target: PublicTarget): string {
  return `${target.scheme}://${target.authority}${target.path}${target.query === null ? '' : `?${target.query}`}`;
}

export function splitTarget(requestTarget: string): { path: string; query: string | null } {
  const at = requestTarget.indexOf('?');
  const path = at < 0 ? requestTarget : requestTarget.slice(0, at);
  return { path: path === '' ? '/' : path, query: at < 0 ? null : requestTarget.slice(at + 1) };
}

function parsePublicUrl(value: string, variable: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${variable}: expected an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    throw new Error(`${variable}: expected an http(s) URL without credentials, query or fragment, got ${JSON.stringify(value)}`);
  }
  return url;
}

/** The Host value as an RFC 9421 `@authority`, or null when it is not a bare host[:port]. */
function parseAuthority(scheme: string, host: string): string | null {
  const trimmed = host.trim();
  if (trimmed === '' || /[/?#@\s\\]/.test(trimmed)) return null;
  try {
    const url = new URL(`${scheme}://${trimmed}`);
    return url.pathname === '/' ? url.host : null;
  } catch {
    return null;
  }
}
