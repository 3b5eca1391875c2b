import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrbisError } from '../core/index.js';
import {
  CoupledDigits,
  type CouplingTables,
  type DigitHead,
  gelu,
  guidedDigits,
  independentDigits,
  parseCoupling,
} from './digits.js';
import { checkSampling, drawToken } from './sampler.js';

const LEVELS = [3, 2, 4];
const RANK = 3;
/** Where each digit's logits start in a row: [0, 3, 5]. */
const STARTS = [0, 3, 5];
/** Numbers per row of a coupled head: 9 logits, then rank 3 of ctx for digits 1 and 2. */
const WIDTH = 9 + 2 * RANK;

/** Deterministic numbers that look random, rounded to float32 as the tables are stored. */
const wobble = (k: number, scale = 1.5): number => Math.fround(Math.sin(k * 12.9898 + 78.233) * scale);

/** A [rows, RANK] table of wobble numbers, as coupling.json writes it. */
const table = (rows: number, seed: number, scale = 1.5): number[][] =>
  Array.from({ length: rows }, (_, r) =>
    Array.from({ length: RANK }, (_, k) => wobble(seed + r * RANK + k, scale)),
  );

/** coupling.json for LEVELS and RANK: digit 1's embed has 3 rows and out 2, digit 2's embed 5 and out 4. */
const couplingJson = (scale = 1.5) => ({
  rank: RANK,
  activation: 'gelu-tanh',
  digits: [
    { embed: table(3, 100, scale), out: table(2, 200, scale) },
    { embed: table(5, 300, scale), out: table(4, 400, scale) },
  ],
});

function tablesOf(json: ReturnType<typeof couplingJson>): CouplingTables {
  return {
    rank: RANK,
    digits: json.digits.map((d) => ({
      embed: Float32Array.from(d.embed.flat()),
      out: Float32Array.from(d.out.flat()),
    })),
  };
}

/** A row buffer with `before` numbers of padding, then `width` numbers of row, then 4 more of padding. */
const rowAt = (before: number, width: number, seed: number): Float32Array =>
  Float32Array.from({ length: before + width + 4 }, (_, i) =>
    i < before || i >= before + width ? 99 : wobble(seed + i, 2),
  );

/** GELU, tanh form, written out: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))). */
const geluTanh = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/**
 * The coupled logits, plainly: digit 0 is its own slice of the row; digit i >= 1 is
 * own_i + out_i . gelu(ctx_i + sum over j < i of embed_i[start_j + prefix_j]).
 */
function reference(
  json: ReturnType<typeof couplingJson>,
  row: Float32Array,
  offset: number,
  digit: number,
  prefix: readonly number[],
): number[] {
  const own = Array.from({ length: LEVELS[digit]! }, (_, v) => row[offset + STARTS[digit]! + v]!);
  if (digit === 0) return own;
  const { embed, out } = json.digits[digit - 1]!;
  const ctx = offset + 9 + (digit - 1) * RANK;
  const z = Array.from({ length: RANK }, (_, k) => {
    let sum = row[ctx + k]!;
    for (let j = 0; j < digit; j++) sum += embed[STARTS[j]! + prefix[j]!]![k]!;
    return sum;
  });
  const h = z.map(geluTanh);
  return own.map((o, v) => o + out[v]!.reduce((sum, w, k) => sum + w * h[k]!, 0));
}

/** Every prefix digit `digit` can follow: the digits before it, each over its levels. */
function prefixesOf(digit: number): number[][] {
  let all: number[][] = [[]];
  for (let j = 0; j < digit; j++)
    all = all.flatMap((p) => Array.from({ length: LEVELS[j]! }, (_, v) => [...p, v]));
  return all;
}

function assertClose(seen: ArrayLike<number>, want: readonly number[], what: string, tolerance = 1e-5): void {
  assert.equal(seen.length, want.length, what);
  for (let v = 0; v < want.length; v++)
    assert.ok(Math.abs(seen[v]! - want[v]!) < tolerance, `${what} value ${v}: ${seen[v]} vs ${want[v]}`);
}

const argmax = (xs: readonly number[]): number => xs.reduce((best, x, i) => (x > xs[best]! ? i : best), 0);

test('independentDigits: each digit is its slice of the row at the offset; the width is the sum of the levels', () => {
  const head = independentDigits(LEVELS);
  assert.equal(head.width, 9);
  const row = Float32Array.from({ length: 20 }, (_, i) => i * 10);
  // The row starts at 7: digit 0 is 70 80 90, digit 1 100 110, digit 2 120 .. 150.
  assert.deepEqual(Array.from(head.logits(row, 7, 0, [])), [70, 80, 90]);
  assert.deepEqual(Array.from(head.logits(row, 7, 1, [2])), [100, 110]);
  assert.deepEqual(Array.from(head.logits(row, 7, 2, [2, 1])), [120, 130, 140, 150]);
  // The digits before change nothing.
  assert.deepEqual(Array.from(head.logits(row, 7, 2, [0, 0])), [120, 130, 140, 150]);
  assert.equal(independentDigits([8, 8, 8, 5, 5, 5]).width, 39);
});

test('gelu is the tanh form', () => {
  assert.equal(gelu(0), 0);
  for (const x of [-3, -1, -0.2, 0.5, 1, 2.5]) assert.ok(Math.abs(gelu(x) - geluTanh(x)) < 1e-12, `${x}`);
  assert.ok(Math.abs(gelu(1) - 0.8411919906) < 1e-9);
  assert.ok(Math.abs(gelu(-1) + 0.1588080094) < 1e-9);
});

test('CoupledDigits: digit 0 is its own slice, later digits add out . gelu(ctx + the embeds of the digits before)', () => {
  const json = couplingJson();
  const head = new CoupledDigits(LEVELS, tablesOf(json));
  assert.equal(head.width, WIDTH);
  const offset = 11;
  const row = rowAt(offset, WIDTH, 7);
  assert.deepEqual(Array.from(head.logits(row, offset, 0, [])), Array.from(row.subarray(11, 14)));
  for (const digit of [1, 2]) {
    const seen = prefixesOf(digit).map((prefix) => {
      // Copied: the head may hand back the same buffer each call.
      const logits = Array.from(head.logits(row, offset, digit, prefix));
      assertClose(logits, reference(json, row, offset, digit, prefix), `digit ${digit} after ${prefix}`);
      // The coupling moves the logits away from the row's own.
      const own = Array.from(row.subarray(offset + STARTS[digit]!, offset + STARTS[digit]! + LEVELS[digit]!));
      assert.ok(
        Math.max(...logits.map((x, v) => Math.abs(x - own[v]!))) > 0.05,
        `digit ${digit} after ${prefix}`,
      );
      return logits;
    });
    // Different digits before give different logits.
    for (let a = 0; a < seen.length; a++)
      for (let b = a + 1; b < seen.length; b++)
        assert.ok(
          Math.max(...seen[a]!.map((x, v) => Math.abs(x - seen[b]![v]!))) > 1e-3,
          `digit ${digit}: prefixes ${a} and ${b} give the same logits`,
        );
  }
});

test('guidedDigits over a coupled head: each digit mixed as asked + sum g (asked - without), all given the same digits before', () => {
  const json = couplingJson();
  const inner = new CoupledDigits(LEVELS, tablesOf(json));
  const scales = [1.5, 0.5];
  const head = guidedDigits(inner, scales);
  assert.equal(head.width, 3 * WIDTH);
  const offset = 5;
  // As asked, without condition 1, without condition 2: three coupled rows side by side.
  const row = rowAt(offset, 3 * WIDTH, 31);
  for (const digit of [0, 1, 2])
    for (const prefix of prefixesOf(digit)) {
      // The inner head's logits of each row, computed separately (copied, the head reuses its buffer).
      const [asked, w1, w2] = [0, 1, 2].map((c) =>
        Array.from(inner.logits(row, offset + c * WIDTH, digit, prefix)),
      );
      const want = asked!.map((a, v) => a + scales[0]! * (a - w1![v]!) + scales[1]! * (a - w2![v]!));
      assert.ok(
        Math.max(...want.map((x, v) => Math.abs(x - asked![v]!))) > 0.05,
        'guidance moves the logits',
      );
      assertClose(head.logits(row, offset, digit, prefix), want, `digit ${digit} after ${prefix}`, 1e-4);
    }
});

test('guidedDigits over independent digits: drawToken from the side-by-side rows is drawToken from the mixed logits', () => {
  const scales = [2];
  const head = guidedDigits(independentDigits(LEVELS), scales);
  assert.equal(head.width, 18);
  const row = rowAt(3, 18, 5);
  const mixed = Float32Array.from({ length: 9 }, (_, i) => {
    const [a, w] = [row[3 + i]!, row[3 + 9 + i]!];
    return a + 2 * (a - w);
  });
  const options = checkSampling({ temperature: 0.7 });
  const tokens = new Set<number>();
  for (let position = 0; position < 40; position++) {
    const token = drawToken(mixed, 0, LEVELS, options, 3, 1, position);
    assert.equal(drawToken(row, 3, LEVELS, options, 3, 1, position, head), token, `position ${position}`);
    tokens.add(token);
  }
  assert.ok(tokens.size > 1, 'the positions draw different tokens');
});

test('drawToken with a coupled head, greedy: each digit the most likely given the digits drawn before', () => {
  const json = couplingJson(3);
  const head: DigitHead = new CoupledDigits(LEVELS, tablesOf(json));
  const greedy = checkSampling({ temperature: 0 });
  const offset = 4;
  let coupled = 0;
  for (let seed = 0; seed < 12; seed++) {
    const row = rowAt(offset, WIDTH, 1000 + 37 * seed);
    const digits: number[] = [];
    for (const digit of [0, 1, 2]) digits.push(argmax(reference(json, row, offset, digit, digits)));
    const token = digits[0]! + 3 * digits[1]! + 6 * digits[2]!;
    if (drawToken(row, offset, LEVELS, greedy, seed, 0, seed) !== token) coupled++;
    assert.equal(drawToken(row, offset, LEVELS, greedy, seed, 0, seed, head), token, `row ${seed}`);
  }
  assert.ok(coupled > 0, 'the coupling changes some greedy tokens from those of the rows alone');
});

test('drawToken with a coupled head whose tables are all zero: the tokens of the independent digits', () => {
  const zero: CouplingTables = {
    rank: RANK,
    digits: [
      { embed: new Float32Array(3 * RANK), out: new Float32Array(2 * RANK) },
      { embed: new Float32Array(5 * RANK), out: new Float32Array(4 * RANK) },
    ],
  };
  const head = new CoupledDigits(LEVELS, zero);
  const options = checkSampling({ temperature: 0.7 });
  const offset = 6;
  for (let r = 0; r < 4; r++) {
    const row = rowAt(offset, WIDTH, 500 + 19 * r);
    const tokens = new Set<number>();
    for (const seed of [1, 2, 3])
      for (let position = 0; position < 30; position++) {
        const token = drawToken(row, offset, LEVELS, options, seed, r, position);
        assert.equal(
          drawToken(row, offset, LEVELS, options, seed, r, position, head),
          token,
          `row ${r} seed ${seed} position ${position}`,
        );
        tokens.add(token);
      }
    assert.ok(tokens.size > 2, `row ${r}: the draws spread over several tokens`);
  }
});

test('parseCoupling: the tables of a valid coupling.json, as float32, row-major', () => {
  const json = couplingJson();
  const tables = parseCoupling('world-x', LEVELS, RANK, json);
  assert.equal(tables.rank, RANK);
  assert.equal(tables.digits.length, 2);
  const sizes = tables.digits.map((d) => [d.embed.length, d.out.length]);
  assert.deepEqual(sizes, [
    [3 * RANK, 2 * RANK],
    [5 * RANK, 4 * RANK],
  ]);
  for (const d of tables.digits) {
    assert.ok(d.embed instanceof Float32Array);
    assert.ok(d.out instanceof Float32Array);
  }
  // Row r, column k is at r * rank + k.
  assert.equal(tables.digits[1]!.embed[4 * RANK + 2], json.digits[1]!.embed[4]![2]);
  assert.equal(tables.digits[0]!.out[1 * RANK + 0], json.digits[0]!.out[1]![0]);
});

test('parseCoupling: each bad coupling.json is MODEL_MANIFEST_INVALID, naming what is wrong', () => {
  const good = couplingJson();
  const withDigit = (i: number, part: 'embed' | 'out', value: unknown) => ({
    ...good,
    digits: good.digits.map((d, k) => (k === i ? { ...d, [part]: value } : d)),
  });
  const nan = good.digits[0]!.out.map((r, i) => (i === 1 ? [r[0]!, Number.NaN, r[2]!] : r));
  const infinite = good.digits[1]!.embed.map((r, i) =>
    i === 0 ? [Number.POSITIVE_INFINITY, r[1]!, r[2]!] : r,
  );
  const cases: [unknown, RegExp][] = [
    [null, /not a JSON object/],
    [{ ...good, rank: 2 }, /rank 2, but config\.coupling is 3/],
    [{ ...good, activation: 'gelu' }, /activation gelu, not "gelu-tanh"/],
    [{ ...good, digits: good.digits.slice(0, 1) }, /it needs 2 digit tables/],
    [{ ...good, digits: [...good.digits, good.digits[1]] }, /it needs 2 digit tables/],
    [
      withDigit(1, 'embed', good.digits[1]!.embed.slice(0, 4)),
      /digit 2's embed must be 5 rows of 3 finite numbers/,
    ],
    [withDigit(0, 'out', table(3, 9)), /digit 1's out must be 2 rows of 3 finite numbers/],
    [withDigit(0, 'out', nan), /digit 1's out must be 2 rows of 3 finite numbers/],
    [withDigit(1, 'embed', infinite), /digit 2's embed must be 5 rows of 3 finite numbers/],
    [
      withDigit(
        1,
        'out',
        good.digits[1]!.out.map((r) => r.slice(0, 2)),
      ),
      /digit 2's out must be 4 rows of 3/,
    ],
  ];
  for (const [value, message] of cases)
    assert.throws(
      () => parseCoupling('world-x', LEVELS, RANK, value),
      (error: unknown) => {
        assert.ok(error instanceof OrbisError, String(error));
        assert.equal(error.code, 'MODEL_MANIFEST_INVALID');
        assert.match(error.message, /^model "world-x" has a bad coupling\.json: /);
        assert.match(error.message, message);
        return true;
      },
      String(message),
    );
});
