import { z } from 'zod';
import { redactUrl } from './redact-url.js';

/**
 * The building blocks of the configuration: one environment variable is one `Variable`, a zod
 * schema from its text (undefined when unset or blank) to its typed value, with what it expects
 * said in words and how a bad value may be shown. `readVariables` reads a whole table of them
 * and reports every bad variable, not only the first.
 */

export type Env = Record<string, string | undefined>;

export interface Variable<T> {
  /** the environment variable */
  name: string;
  /** text (trimmed, undefined when unset or blank) → value; fails on a bad value */
  schema: z.ZodType<T, string | undefined>;
  /** what a valid value looks like, for the message */
  expected: string;
  /** what a bad value may show of itself (never a secret or a URL's credentials) @default the value */
  show?: (raw: string) => string;
}

/** One bad variable: its name, what it expected and what arrived (already safe to show; undefined = nothing). */
export interface ConfigProblem {
  variable: string;
  expected: string;
  got: string | undefined;
}

export function formatProblem({ variable, expected, got }: ConfigProblem): string {
  return `${variable}: expected ${expected}, got ${got === undefined ? 'nothing' : JSON.stringify(got)}`;
}

/** Every bad variable of one reading of the environment; the message has one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export type VariableTable = Record<string, Variable<unknown>>;
export type ValuesOf<T extends VariableTable> = { [K in keyof T]: T[K] extends Variable<infer V> ? V : never };

/** The trimmed value, undefined when unset or blank. */
export function rawValue(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Reads every variable of `table`; the values of bad ones are absent and each is a problem. */
export function readVariables<T extends VariableTable>(table: T, env: Env): { values: Partial<ValuesOf<T>>; problems: ConfigProblem[] } {
  const values: Partial<Record<keyof T, unknown>> = {};
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(table) as Array<keyof T & string>) {
    const { name, schema, expected, show = (raw: string) => raw } = table[key]!;
    const raw = rawValue(env, name);
    const parsed = schema.safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else problems.push({ variable: name, expected, got: raw === undefined ? undefined : show(raw) });
  }
  return { values: values as Partial<ValuesOf<T>>, problems };
}

// ---- kinds of variables ----

export function integer(name: string, { fallback, min, max }: { fallback: number; min: number; max: number }): Variable<number> {
  return {
    name,
    expected: `an integer from ${min} to ${max}`,
    schema: z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max)).default(fallback),
  };
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

export function flag(name: string, { fallback }: { fallback: boolean }): Variable<boolean> {
  return {
    name,
    expected: 'true or false',
    schema: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum([...TRUE, ...FALSE]))
      .transform((s) => TRUE.includes(s))
      .default(fallback),
  };
}

export function oneOf<const V extends string>(name: string, { values, fallback }: { values: readonly V[]; fallback: V }): Variable<V> {
  return {
    name,
    expected: `one of ${values.join(', ')}`,
    schema: z.enum(values as [V, ...V[]]).default(fallback),
  };
}

/** Free text; with `pattern`, it must match. */
export function text(name: string, options: { fallback: string; pattern?: RegExp; expected?: string }): Variable<string>;
export function text(name: string, options?: { pattern?: RegExp; expected?: string }): Variable<string | null>;
export function text(name: string, options: { fallback?: string; pattern?: RegExp; expected?: string } = {}): Variable<string | null> {
  const { fallback = null, pattern = /^/, expected = 'a value' } = options;
  return { name, expected, schema: z.string().regex(pattern).optional().transform((v) => v ?? fallback) };
}

/** A credential: never shown, whatever it holds. */
export function secret(name: string): Variable<string | null> {
  return { name, expected: 'a value', schema: z.string().optional().transform((v) => v ?? null), show: () => '[not shown]' };
}

/** What a bad URL value may show of itself: never credentials or a query string. */
export function shownUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return url.host && !url.username && !url.password && !url.search ? raw : redactUrl(raw);
  } catch {
    return /[@?]/.test(raw) ? '[a value that is not a URL; not shown, it may hold credentials]' : raw;
  }
}

function hasProtocol(raw: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(raw).protocol.replace(/:$/, ''));
  } catch {
    return false;
  }
}

function hasUserInfo(raw: string): boolean {
  try {
    const parsed = new URL(raw);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/**
 * An optional URL of one of `protocols`, without trailing slashes; null when unset. With
 * `userInfo: false` a URL holding `user:password@` is refused: credentials have their own
 * variables, and a URL travels into error texts and status fields.
 */
export function url(name: string, { protocols, userInfo = true }: { protocols: readonly string[]; userInfo?: boolean }): Variable<string | null> {
  return {
    name,
    expected: `a ${protocols.join(' or ')} URL${userInfo ? '' : ' without user info (user:password@)'}`,
    schema: z
      .string()
      .refine((raw) => hasProtocol(raw, protocols) && (userInfo || !hasUserInfo(raw)))
      .transform((raw) => raw.replace(/\/+$/, ''))
      .optional()
      .transform((v) => v ?? null),
    show: shownUrl,
  };
}

/** A value read by a function that answers null for a bad one. */
export function parsed<T>(name: string, { fallback, parse, expected }: { fallback: T; parse: (raw: string) => T | null; expected: string }): Variable<T> {
  return {
    name,
    expected,
    schema: z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return fallback;
        const value = parse(raw);
        if (value === null) {
          ctx.addIssue({ code: 'custom', message: expected });
          return z.NEVER;
        }
        return value;
      }),
  };
}
