import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrbisError } from '../core/index.js';
import { parseFilter } from './filter.js';
import { filterToSql, lanceLiteral } from './sql-filter.js';

test('parseFilter reads conditions joined by "and", with aliases, quotes and every operator', () => {
  assert.deepEqual(parseFilter('duration>=3 and source~street AND resolution>=720'), [
    { column: 'duration', op: '>=', value: 3 },
    { column: 'source', op: '~', value: 'street' },
    { column: 'height', op: '>=', value: 720 },
  ]);
  assert.deepEqual(parseFilter(`caption~"cup and saucer" and dataset='night run'`), [
    { column: 'caption', op: '~', value: 'cup and saucer' },
    { column: 'dataset', op: '=', value: 'night run' },
  ]);
  assert.deepEqual(
    parseFilter('start<1 and end<=2 and fps>24 and width!=640 and motion=0.5').map((c) => c.op),
    ['<', '<=', '>', '!=', '='],
  );
});

test('parseFilter refuses what it cannot mean, naming the part and the columns', () => {
  const cases: [string, RegExp][] = [
    ['colour=red', /unknown column "colour"/],
    ['duration>=long', /"duration" is a number column; "long" is not a number/],
    ['width~12', /"~" \(contains\) works on text columns, not "width"/],
    ['duration=>3', /"duration" is a number column; ">3" is not a number/],
    ['duration 3', /cannot read "duration 3"/],
    ['duration>3 and', /empty condition/],
    ['source~"street', /unclosed quote/],
    ['', /empty condition/],
  ];
  for (const [text, message] of cases)
    assert.throws(
      () => parseFilter(text),
      (e: unknown) =>
        OrbisError.isInstance(e) &&
        e.code === 'SEARCH_FILTER_INVALID' &&
        message.test(e.message) &&
        /columns: dataset/.test(e.hint ?? ''),
      text,
    );
});

test('filters become SQL with values escaped (LanceDB) or bound (PostgreSQL), never spliced', () => {
  const filter = parseFilter(`source~"o'brien_100%" and duration>=3`);
  assert.equal(
    filterToSql(filter, lanceLiteral, 'lance'),
    `lower(source) LIKE '%o''brien\\_100\\%%' ESCAPE '\\' AND duration >= 3`,
  );
  const values: unknown[] = [];
  const sql = filterToSql(filter, (v) => `$${values.push(v)}`, 'postgres');
  assert.equal(sql, 'lower(source) LIKE $1 AND duration >= $2');
  assert.deepEqual(values, ["%o'brien\\_100\\%%", 3]);
});
