import { describe, expect, it } from 'vitest';
import {
  bool,
  dateTimeText,
  decimal,
  int,
  objects,
  str,
  toIsoTimestamp,
} from '../../src/domain/notification-decode.js';

describe('payload helpers', () => {
  it('str: strings as they are, numbers as text, nothing else', () => {
    const p = { a: 'x', n: 397, f: 1.5, b: true, o: {}, z: null };
    expect([str(p, 'a'), str(p, 'n'), str(p, 'f'), str(p, 'b'), str(p, 'o'), str(p, 'z'), str(p, 'missing')]).toEqual(
      ['x', '397', '1.5', null, null, null, null],
    );
    expect(str('not an object', 'a')).toBeNull();
    expect(str([1], '0')).toBeNull();
  });

  it('decimal: decimal strings byte-exact, JSON numbers as their shortest decimal text, the rest null', () => {
    const p = {
      long: '65544.85350000000000000000001',
      neg: '-0.10',
      int: '611743',
      exp: '1e5',
      blank: '',
      spaced: ' 1.0',
      num: 0.1,
      tiny: 1e-7,
      big: 1e21,
      whole: 77356859,
      bool: true,
    };
    expect(Object.keys(p).map((k) => decimal(p, k))).toEqual([
      '65544.85350000000000000000001',
      '-0.10',
      '611743',
      null,
      null,
      null,
      '0.1',
      '0.0000001',
      '1000000000000000000000',
      '77356859',
      null,
    ]);
  });

  it('bool and int', () => {
    const p = { t: true, f: false, st: 'true', sf: 'false', one: 1, n: 42, s: '17', neg: '-3', frac: 1.5, huge: 2 ** 60 };
    expect([bool(p, 't'), bool(p, 'f'), bool(p, 'st'), bool(p, 'sf'), bool(p, 'one')]).toEqual([true, false, true, false, null]);
    expect([int(p, 'n'), int(p, 's'), int(p, 'neg'), int(p, 'frac'), int(p, 'huge'), int(p, 't')]).toEqual([
      42,
      17,
      -3,
      null,
      null,
      null,
    ]);
  });

  it('toIsoTimestamp normalises every upstream form to UTC ISO 8601', () => {
    const cases: Array<[unknown, string | null]> = [
      [1671529439, '2022-12-20T09:43:59.000Z'],
      ['1671529439', '2022-12-20T09:43:59.000Z'],
      [1671529439.5, '2022-12-20T09:43:59.500Z'],
      ['2023-01-09T14:26:33+01:00', '2023-01-09T13:26:33.000Z'],
      ['2023-01-09T14:26:33+0100', '2023-01-09T13:26:33.000Z'],
      ['2024-08-06T14:40:21.848515Z', '2024-08-06T14:40:21.848Z'],
      ['2023-01-19 10:50:38', '2023-01-19T10:50:38.000Z'],
      ['2024-01-09T13:08:00', '2024-01-09T13:08:00.000Z'],
      ['2024-04-10', '2024-04-10T00:00:00.000Z'],
      ['2023-02-30 10:00:00', null],
      ['2023-01-19 25:00:00', null],
      ['yesterday', null],
      ['', null],
      [null, null],
      [true, null],
      [Number.NaN, null],
      [1e20, null],
    ];
    for (const [input, output] of cases) expect({ input, out: toIsoTimestamp(input) }).toEqual({ input, out: output });
  });

  it('dateTimeText keeps a zoned ISO 8601 string exactly and normalises the rest', () => {
    expect(dateTimeText('2023-01-09T14:26:33+01:00')).toBe('2023-01-09T14:26:33+01:00');
    expect(dateTimeText('2023-12-15T15:01:17.683653Z')).toBe('2023-12-15T15:01:17.683653Z');
    expect(dateTimeText('2023-01-19 10:50:38')).toBe('2023-01-19T10:50:38.000Z');
    expect(dateTimeText(1671529439)).toBe('2022-12-20T09:43:59.000Z');
    expect(dateTimeText('2023-13-01T00:00:00Z')).toBeNull();
  });

  it('objects keeps only object elements', () => {
    expect(objects({ xs: [{ a: 1 }, 2, null, [3], { b: 2 }] }, 'xs')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(objects({ xs: 'no' }, 'xs')).toEqual([]);
  });
});
