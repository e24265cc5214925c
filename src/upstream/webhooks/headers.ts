/**
 * Request header fields as a webhook receiver sees them, independent of the HTTP server:
 * names in any case; a string is one (possibly already combined) field value, an array holds
 * one entry per field line (Node's `req.headersDistinct` keeps every line apart).
 */
export type HeaderInput = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Field lines by lowercased name. */
export type FieldLines = ReadonlyMap<string, readonly string[]>;

export function fieldLines(headers: HeaderInput): FieldLines {
  const lines = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const list = lines.get(key) ?? [];
    if (typeof value === 'string') list.push(value);
    else list.push(...value);
    lines.set(key, list);
  }
  return lines;
}

/**
 * RFC 9421 section 2.1: each field line's value trimmed of surrounding whitespace, obsolete
 * line folding replaced by one space, the lines joined with ", ". Null when the field is absent.
 */
export function combinedFieldValue(lines: FieldLines, name: string): string | null {
  const values = lines.get(name);
  if (!values || values.length === 0) return null;
  return values.map(canonicalLine).join(', ');
}

export function canonicalLine(value: string): string {
  return value.replace(/[ \t]*\r?\n[ \t]+/g, ' ').trim();
}
