import fc from 'fast-check';
import { httpbis } from 'http-message-signatures';
import { parseDictionary, type InnerList } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { fieldLines } from '../../src/upstream/webhooks/headers.js';
import { signatureBase } from '../../src/upstream/webhooks/signature-base.js';
import { createTargetResolver } from '../../src/upstream/webhooks/target.js';
import { digestOf } from './helpers.js';

/** The base the independent library signs, captured from its signer. */
async function libraryBase(url: string, headers: Record<string, string | string[]>, fields: string[]) {
  let captured = '';
  const signed = await httpbis.signMessage(
    {
      key: { id: 'k', alg: 'ed25519', sign: async (data: Buffer) => ((captured = data.toString('ascii')), Buffer.alloc(64)) },
      fields,
      params: ['keyid', 'alg', 'created', 'nonce'],
      paramValues: { created: new Date(1_700_000_000_000), nonce: 'n-1' },
    },
    { method: 'POST', url, headers },
  );
  const input = parseDictionary(signed.headers['Signature-Input'] as string).get('sig') as InnerList;
  return { captured, input };
}

function ourBase(url: string, headers: Record<string, string | string[]>, covered: InnerList) {
  const parsed = new URL(url);
  const target = createTargetResolver()({ path: parsed.pathname + parsed.search, host: parsed.host, scheme: parsed.protocol.slice(0, -1) as 'http' | 'https' });
  return signatureBase(covered, { method: 'POST', target, fields: fieldLines(headers) });
}

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 20 });
const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/);

const arbitraryRequest = fc.record({
  scheme: fc.constantFrom('http', 'https'),
  host: fc.constantFrom('127.0.0.1', 'gw.example.com', 'Partner.Example.COM'),
  port: fc.constantFrom('', ':80', ':443', ':4000'),
  path: fc.array(segment, { minLength: 0, maxLength: 3 }).map((s) => `/${s.join('/')}`),
  query: fc.option(fc.stringMatching(/^[a-z0-9=&]{1,12}$/), { nil: undefined }),
  extra: fc.array(printable, { minLength: 1, maxLength: 3 }),
  body: fc.string({ maxLength: 50 }),
});

const derived = ['@method', '@target-uri', '@authority', '@scheme', '@path', '@query', '@request-target'];
const fieldChoices = [...derived, 'content-digest', 'content-type', 'x-extra', 'x-extra;bs', 'content-digest;sf', 'content-digest;key="sha-256"'];

describe('signature base: the same bytes as an independent RFC 9421 implementation', () => {
  it('for any mix of derived components and fields, in any order', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRequest, fc.shuffledSubarray(fieldChoices, { minLength: 1 }), async (r, fields) => {
        const url = new URL(`${r.scheme}://${r.host}${r.port}${r.path}${r.query ? `?${r.query}` : ''}`).href;
        const headers = {
          'content-type': 'application/json',
          'content-digest': `${digestOf(r.body, 'sha-512')}, ${digestOf(r.body)}`,
          'x-extra': r.extra.map((v) => ` ${v} `),
        };
        const { captured, input } = await libraryBase(url, headers, fields);
        expect(ourBase(url, headers, input)).toEqual({ ok: true, base: captured });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what it cannot derive rather than guessing', () => {
    const covered = (items: string): InnerList => parseDictionary(`s=(${items});created=1`).get('s') as InnerList;
    const view = { method: 'POST', target: null, fields: fieldLines({ a: 'x', 'content-type': 'text/plain' }) };
    expect(signatureBase(covered('"@target-uri"'), view)).toMatchObject({ ok: false, detail: expect.stringMatching(/no usable Host/) });
    expect(signatureBase(covered('"@method" "@method"'), view)).toMatchObject({ ok: false, detail: expect.stringMatching(/covered twice/) });
    expect(signatureBase(covered('"@status"'), view)).toMatchObject({ ok: false });
    expect(signatureBase(covered('"@method";req'), view)).toMatchObject({ ok: false });
    expect(signatureBase(covered('"@signature-params"'), view)).toMatchObject({ ok: false });
    expect(signatureBase(covered('"a";tr'), view)).toMatchObject({ ok: false });
    expect(signatureBase(covered('"content-type";sf'), view)).toMatchObject({ ok: false });
    expect(signatureBase(covered('"Content-Type"'), view)).toMatchObject({ ok: false });
    expect(signatureBase(covered('"b"'), view)).toMatchObject({ ok: false, detail: 'covered field b is not in the request' });
    expect(signatureBase(covered('"a"'), { ...view, fields: fieldLines({ a: 'caf\u00e9' }) })).toMatchObject({ ok: false, detail: expect.stringMatching(/non-ASCII/) });
    expect(signatureBase(covered('"a" "@method"'), view)).toEqual({ ok: true, base: '"a": x\n"@method": POST\n"@signature-params": ("a" "@method");created=1' });
  });
});
