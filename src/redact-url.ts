/**
 * A URL fit for logs, errors and status: no user name, password or query string (where a
 * token could sit). Text that is not a URL is not echoed at all.
 */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    // an opaque URL ("user:secret@host") has no parts to keep apart from the secret
    if (!url.host) return `${url.protocol}[not shown]`;
    if (url.username) url.username = '***';
    if (url.password) url.password = '***';
    url.search = '';
    return url.toString();
  } catch {
    return '[not a URL]';
  }
}
