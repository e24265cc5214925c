import {
  isInnerList,
  parseDictionary,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import { canonicalLine, combinedFieldValue, type FieldLines } from './headers.js';
import { targetUri, type PublicTarget } from './target.js';

/**
 * The RFC 9421 signature base (section 2.5) of a request: one line per covered component,
 * `"<identifier with its parameters>": <value>`, then `"@signature-params": <inner list>`.
 * Derived components: @method, @target-uri, @authority, @scheme, @path, @query,
 * @request-target. Header fields: raw (2.1), `bs` (2.1.3), `key` (2.1.2) and `sf` (2.1.1,
 * for the Dictionary fields named below). Anything else is refused, never guessed.
 */

export interface MessageView {
  method: string;
  /** null when the target cannot be derived (no usable Host) */
  target: PublicTarget | null;
  fields: FieldLines;
}

export type BaseResult = { ok: true; base: string } | { ok: false; detail: string };

/** Fields known to be Dictionaries, so `;sf` can re-serialize them strictly. */
const DICTIONARY_FIELDS = new Set(['content-digest', 'repr-digest', 'want-content-digest', 'want-repr-digest', 'signature', 'signature-input']);

const FIELD_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

export function signatureBase(covered: InnerList, message: MessageView): BaseResult {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of covered[0]) {
    const [name, params] = item;
    if (typeof name !== 'string') return { ok: false, detail: 'expected component identifiers to be strings' };
    const identifier = serializeItem(item);
    if (seen.has(identifier)) return { ok: false, detail: `component ${identifier} is covered twice` };
    seen.add(identifier);
    const value = name.startsWith('@') ? derivedValue(name, params, message) : fieldValue(name, params, message.fields);
    if (typeof value !== 'string') return value;
    lines.push(`${identifier}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(covered)}`);
  const base = lines.join('\n');
  if (/[^\u0000-\u007f]/.test(base)) return { ok: false, detail: 'the signature base holds non-ASCII characters' };
  return { ok: true, base };
}

type Value = string | { ok: false; detail: string };

const failed = (detail: string): { ok: false; detail: string } => ({ ok: false, detail });

function derivedValue(name: string, params: Parameters, { method, target }: MessageView): Value {
  if (params.size > 0) return failed(`parameters on ${name} are not supported`);
  if (name === '@method') return method;
  if (name === '@signature-params') return failed('@signature-params cannot be a covered component');
  if (!target) return failed(`${name} cannot be derived: the request has no usable Host`);
  switch (name) {
    case '@target-uri':
      return targetUri(target);
    case '@authority':
      return target.authority;
    case '@scheme':
      return target.scheme;
    case '@path':
      return target.path;
    case '@query':
      return `?${target.query ?? ''}`;
    case '@request-target':
      return target.query === null ? target.path : `${target.path}?${target.query}`;
    default:
      return failed(`derived component ${name} is not supported`);
  }
}

function fieldValue(name: string, params: Parameters, fields: FieldLines): Value {
  if (!FIELD_NAME.test(name)) return failed('expected lowercase field names as component identifiers');
  for (const param of params.keys()) {
    if (param !== 'sf' && param !== 'key' && param !== 'bs') return failed(`parameter ${param} on a field is not supported`);
  }
  const raw = combinedFieldValue(fields, name);
  if (raw === null) return failed(`covered field ${name} is not in the request`);
  if (params.has('bs')) {
    if (params.has('sf') || params.has('key')) return failed(`${name}: bs cannot be combined with sf or key`);
    const lines = fields.get(name) ?? [];
    return lines.map((line) => `:${Buffer.from(canonicalLine(line), 'latin1').toString('base64')}:`).join(', ');
  }
  if (!params.has('sf') && !params.has('key')) return raw;
  return strictValue(name, params, raw);
}

function strictValue(name: string, params: Parameters, raw: string): Value {
  const key = params.get('key');
  if (key === undefined && !DICTIONARY_FIELDS.has(name)) return failed(`strict serialization of ${name} is not supported`);
  let dictionary;
  try {
    dictionary = parseDictionary(raw);
  } catch {
    return failed(`covered field ${name} is not a structured Dictionary`);
  }
  if (key === undefined) return serializeDictionary(dictionary);
  if (typeof key !== 'string') return failed(`the key parameter on ${name} must be a string`);
  const member = dictionary.get(key);
  if (member === undefined) return failed(`covered member ${key} of ${name} is not in the request`);
  return serializeMember(member);
}

function serializeMember(member: Item | InnerList): string {
  return isInnerList(member) ? serializeInnerList(member) : serializeItem(member);
}
