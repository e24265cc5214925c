/**
 * A canonical text of a JSON document: object members sorted by their keys (the last of
 * duplicate keys kept, as JSON.parse does), no whitespace, strings re-encoded the one way
 * JSON.stringify writes them, and numbers kept exactly as their source text:
 * `12345678901234567890` is never rounded through a double, and `1.10` stays `1.10`. Two texts that differ only in key order,
 * whitespace or string escapes have the same canonical text; any change of a value changes it.
 * Null when the text is not JSON (by the grammar JSON.parse accepts).
 */
export function canonicalJson(text: string): string | null {
  const parser = { text, at: 0 };
  try {
    skipSpace(parser);
    const out = value(parser);
    skipSpace(parser);
    return out !== null && parser.at === text.length ? out : null;
  } catch (error) {
    // nesting deeper than the stack allows: treated like text that is not JSON
    if (error instanceof RangeError) return null;
    throw error;
  }
}

interface Parser {
  text: string;
  at: number;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null/y;

function skipSpace(p: Parser): void {
  for (;;) {
    const c = p.text.charCodeAt(p.at);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    p.at += 1;
  }
}

function token(p: Parser, pattern: RegExp): string | null {
  pattern.lastIndex = p.at;
  const match = pattern.exec(p.text);
  if (!match) return null;
  p.at += match[0].length;
  return match[0];
}

/** A string token's value, re-encoded canonically. */
function string(p: Parser): string | null {
  const raw = token(p, STRING);
  return raw === null ? null : JSON.stringify(JSON.parse(raw) as string);
}

function value(p: Parser): string | null {
  switch (p.text[p.at]) {
    case '{':
      return object(p);
    case '[':
      return array(p);
    case '"':
      return string(p);
    default:
      return token(p, NUMBER) ?? token(p, LITERAL);
  }
}

function array(p: Parser): string | null {
  p.at += 1;
  skipSpace(p);
  const items: string[] = [];
  if (p.text[p.at] === ']') {
    p.at += 1;
    return '[]';
  }
  for (;;) {
    skipSpace(p);
    const item = value(p);
    if (item === null) return null;
    items.push(item);
    skipSpace(p);
    const next = p.text[p.at++];
    if (next === ']') return `[${items.join(',')}]`;
    if (next !== ',') return null;
  }
}

function object(p: Parser): string | null {
  p.at += 1;
  skipSpace(p);
  const members = new Map<string, string>();
  if (p.text[p.at] === '}') {
    p.at += 1;
    return '{}';
  }
  for (;;) {
    skipSpace(p);
    const key = string(p);
    if (key === null) return null;
    skipSpace(p);
    if (p.text[p.at++] !== ':') return null;
    skipSpace(p);
    const item = value(p);
    if (item === null) return null;
    members.set(key, item);
    skipSpace(p);
    const next = p.text[p.at++];
    if (next === '}') break;
    if (next !== ',') return null;
  }
  // sorted by their canonical tokens: one fixed order, whatever order they were sent in
  const keys = [...members.keys()].sort();
  return `{${keys.map((k) => `${k}:${members.get(k)}`).join(',')}}`;
}
