/**
 * Free text fit to leave the process (status fields, readiness reasons, logs): the user info of
 * any URL in it (`scheme://user:password@`), bearer tokens and token-like query parameters are
 * replaced. Error messages of fetch, ws and DNS often quote the URL they were given.
 */
export function redactText(text: string): string;
export function redactText(text: string | null): string | null;
export function redactText(text: string | null): string | null {
  if (text === null) return null;
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1***@')
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, '$1 [redacted]')
    .replace(/([?&](?:access_token|refresh_token|token|key|secret|password|client_secret)=)[^&\s#]*/gi, '$1[redacted]');
}
