/**
 * A webhook body is `{"params": {...}}`, UTF-8 JSON. The payload handed on is the exact text of
 * the `params` value as sent (not re-serialized: a number too large for a double, or key order,
 * reaches the store untouched), the same content the events endpoint serves as `payload`.
 * Other top-level members are allowed and ignored.
 */

export type BodyCheck = { ok: true; payloadText: string } | { ok: false; detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readWebhookBody(raw: Uint8Array): BodyCheck {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, detail: 'expected a UTF-8 body' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, detail: `expected a JSON body, got ${raw.length} bytes that do not parse` };
  }
  if (!isPlainObject(json)) return { ok: false, detail: `expected a JSON object {"params": {...}}, got ${describe(json)}` };
  if (!isPlainObject(json.params)) return { ok: false, detail: `expected "params" to be an object, got ${describe(json.params)}` };
  const payloadText = topLevelMember(text, 'params');
  if (payloadText === null) return { ok: false, detail: 'expected a "params" member' };
  return { ok: true, payloadText };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'none';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * The source text of the last member named `key` of the top-level object in `text`, which must
 * already be known to be valid JSON (JSON.parse keeps the last duplicate too).
 */
export function topLevelMember(text: string, key: string): string | null {
  let i = skipSpace(text, 0) + 1;
  let found: string | null = null;
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] !== '"') return found;
    const nameEnd = endOfString(text, i);
    const name = JSON.parse(text.slice(i, nameEnd)) as string;
    const valueStart = skipSpace(text, skipSpace(text, nameEnd) + 1);
    const valueEnd = endOfValue(text, valueStart);
    if (name === key) found = text.slice(valueStart, valueEnd);
    i = skipSpace(text, valueEnd);
    if (text[i] === ',') i += 1;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i += 1;
  return i;
}

/** `i` at an opening quote; the index after the closing one. */
function endOfString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

function endOfValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return endOfString(text, i);
  if (first !== '{' && first !== '[') {
    let j = i;
    while (j < text.length && !',}] \n\r\t'.includes(text[j] as string)) j += 1;
    return j;
  }
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text[j];
    if (c === '"') {
      j = endOfString(text, j);
      continue;
    }
    if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') depth -= 1;
    j += 1;
    if (depth === 0) return j;
  }
  return j;
}
