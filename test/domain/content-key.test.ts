import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import { notificationContentKey, pushedEventId, pushedNotification } from '../../src/domain/notification-identity.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const key = (payloadText: string, rawType = 'user.update'): string => notificationContentKey(rawType, payloadText);
const jsonValue = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }) as fc.Arbitrary<Json>;

/** Whitespace, member order and string escapes chosen by `pick`; the same values. */
function render(value: Json, pick: (n: number) => number): string {
  const space = (): string => ['', ' ', '\n', '\t', '\r\n  '][pick(5)]!;
  const text = (s: string): string =>
    pick(2) === 0
      ? JSON.stringify(s)
      : `"${[...s].map((c) => (c === '"' || c === '\\' || c < ' ' || pick(3) === 0 ? escape(c) : c)).join('')}"`;
  if (Array.isArray(value)) return `[${space()}${value.map((v) => `${space()}${render(v, pick)}${space()}`).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = pick(i + 1);
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    return `{${space()}${keys.map((k) => `${text(k)}${space()}:${space()}${render(value[k]!, pick)}`).join(`${space()},${space()}`)}${space()}}`;
  }
  return typeof value === 'string' ? text(value) : JSON.stringify(value);
}

function escape(c: string): string {
  if (c === '/') return '\\/';
  return Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
}

/** Every leaf (scalars and empty containers) by path. */
function leaves(value: Json, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value) && value.length > 0) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [path];
}

/** A value that is not the same JSON value as `leaf`. */
function other(leaf: Json): Json {
  if (typeof leaf === 'string') return `${leaf}·`;
  if (typeof leaf === 'number') return String(leaf);
  if (typeof leaf === 'boolean') return !leaf;
  if (leaf === null) return 0;
  return Array.isArray(leaf) ? {} : [];
}

function replaced(value: Json, path: Array<string | number>): Json {
  if (path.length === 0) return other(value);
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest) : v));
  const object = value as { [key: string]: Json };
  return { ...object, [head as string]: replaced(object[head as string]!, rest) };
}

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('the content key of a notification', () => {
  it('never changes with key order, whitespace or string escapes', () => {
    fc.assert(
      fc.property(jsonValue, fc.infiniteStream(fc.nat()), (value, choices) => {
        const it = choices[Symbol.iterator]();
        const pick = (n: number): number => it.next().value! % n;
        const variant = render(value, pick);
        expect(JSON.parse(variant)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(key(variant)).toBe(key(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it('changes with any change of a value, and with the raw type', () => {
    fc.assert(
      fc.property(jsonValue, fc.nat(), (value, n) => {
        const paths = leaves(value);
        const changed = replaced(value, paths[n % paths.length]!);
        expect(isDeepStrictEqual(changed, value)).toBe(false);
        expect(key(JSON.stringify(changed))).not.toBe(key(JSON.stringify(value)));
        expect(key(JSON.stringify(value), 'user.updated')).not.toBe(key(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps numbers exactly as sent: never rounded through a double, scale kept', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^-?[1-9]\d{16,40}$/), fc.stringMatching(/^-?[1-9]\d{16,40}$/), (a, b) => {
        fc.pre(a !== b);
        expect(key(`{"amount":${a}}`) === key(`{"amount":${b}}`)).toBe(false);
        expect(key(`{ "amount" : ${a} ,"n":1}`)).toBe(key(`{"n":1,"amount":${a}}`));
      }),
      { numRuns: 300 },
    );
    expect(JSON.parse('12345678901234567890')).toBe(JSON.parse('12345678901234567891'));
    expect(key('{"a":12345678901234567890}')).not.toBe(key('{"a":12345678901234567891}'));
    expect(key('{"a":1.10}')).not.toBe(key('{"a":1.1}'));
    expect(canonicalJson('{ "b": 1e400, "a": -0.000 }')).toBe('{"a":-0.000,"b":1e400}');
  });

  it('agrees with JSON.parse on what is JSON, and means the same value', () => {
    const almostJson = fc.json().chain((text) => fc.nat({ max: Math.max(0, text.length) }).map((cut) => text.slice(0, cut)));
    fc.assert(
      fc.property(fc.oneof(fc.json(), almostJson, fc.string()), (text) => {
        const canonical = canonicalJson(text);
        expect(canonical !== null).toBe(parses(text));
        if (canonical !== null) expect(JSON.parse(canonical)).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
    for (const text of ['', ' ', '{"a":1', '{"a":1,}', '[1,]', '01', '1.', '"\t"', "{'a':1}", '\ufeff{}', 'nul', '{"a":1}x']) {
      expect({ text, canonical: canonicalJson(text) }).toEqual({ text, canonical: null });
    }
  });

  it('keys a payload that is not JSON by its exact text, and JSON duplicates by the last member', () => {
    expect(key('{"a":1')).not.toBe(key('{"a": 1'));
    expect(key('not json')).toBe(key('not json'));
    expect(key('{"a":1,"a":2}')).toBe(key('{"a":2}'));
    expect(key('{"a":"\\u00e9\\/"}')).toBe(key('{"a":"é/"}'));
    expect(key('"x"')).not.toBe(key('x'));
    expect(key('1', 'a"\njson')).not.toBe(key('1', 'a'));
  });

  it('returns a key, not an error, for nesting deeper than the stack', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(key(deep)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a pushed notification an id derived from its content, so a retry maps to the same event', () => {
    const first = pushedNotification('user.update', '{"b":2,"a":1}', Date.UTC(2025, 0, 2, 3, 4, 5));
    const retry = pushedNotification('user.update', '{ "a": 1, "b": 2 }', Date.UTC(2025, 0, 2, 3, 9, 0));
    expect(first.id).toBe(retry.id);
    expect(first.id).toBe(pushedEventId(first.contentKey));
    expect(first.id).toMatch(/^push:[0-9a-f]{32}$/);
    expect(first).toMatchObject({ type: 'user.update', payload: '{"b":2,"a":1}', created_at: '2025-01-02T03:04:05.000Z' });
    expect(pushedNotification('user.update', '{"a":1,"b":3}', 0).id).not.toBe(first.id);
  });
});
