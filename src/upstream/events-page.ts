import { z } from 'zod';
import type { IncomingNotification } from '../domain/notification.js';
import { parseJsonOrUndefined } from '../tolerant-json.js';

/** Validation of one `GET /v1/events` page at the edge: its events, and what cannot be stored. */

const Envelope = z.looseObject({ data: z.array(z.unknown()), meta: z.unknown().optional(), links: z.unknown().optional() });
const Element = z.looseObject({
  id: z.union([z.string().min(1), z.number().int()]),
  type: z.unknown().optional(),
  payload: z.unknown().optional(),
  created_at: z.unknown().optional(),
});

export interface EventsPage {
  /** the elements of `data[]` */
  received: number;
  /** the elements with an id, normalized */
  events: IncomingNotification[];
  /** elements without an id: they cannot be deduplicated, so they are skipped */
  invalid: unknown[];
  /** the `after_id` of `links.next`, when there is one */
  nextAfter: string | null;
  /** `meta.size`, when it is a positive integer */
  size: number | null;
}

/** The page in a response body; null when the body is not an events page at all. */
export function readEventsPage(text: string, now: () => number): EventsPage | null {
  const envelope = Envelope.safeParse(parseJsonOrUndefined(text));
  if (!envelope.success) return null;
  const { data, meta, links } = envelope.data;
  const events: IncomingNotification[] = [];
  const invalid: unknown[] = [];
  for (const element of data) {
    const parsed = Element.safeParse(element);
    if (parsed.success) events.push(normalize(parsed.data, now));
    else invalid.push(element);
  }
  return { received: data.length, events, invalid, nextAfter: afterIdOf(links), size: pageSizeOf(meta) };
}

/** An element with an id is never dropped: odd fields are carried over as faithfully as possible. */
function normalize(e: z.infer<typeof Element>, now: () => number): IncomingNotification {
  const payload = typeof e.payload === 'string' ? e.payload : (JSON.stringify(e.payload) ?? 'null');
  const seconds = typeof e.created_at === 'number' ? e.created_at : now() / 1000;
  const createdAt = typeof e.created_at === 'string' ? e.created_at : new Date(seconds * 1000).toISOString();
  return { id: String(e.id), type: typeof e.type === 'string' && e.type !== '' ? e.type : 'unknown', payload, created_at: createdAt };
}

function afterIdOf(links: unknown): string | null {
  const next = links && typeof links === 'object' ? (links as { next?: unknown }).next : undefined;
  if (typeof next !== 'string') return null;
  try {
    return new URL(next, 'http://upstream.invalid').searchParams.get('after_id') || null;
  } catch {
    return null;
  }
}

function pageSizeOf(meta: unknown): number | null {
  const size = meta && typeof meta === 'object' ? (meta as { size?: unknown }).size : undefined;
  return typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : null;
}
