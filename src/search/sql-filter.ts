import type { ClipFilter, Condition } from './filter.js';
import { CLIP_COLUMNS, type ClipColumn } from './indexed-clip.js';

/**
 * A filter as a SQL predicate. `literal` renders a value: inline and escaped for LanceDB (DataFusion SQL,
 * which takes no bind parameters), or as `$n` placeholders for PostgreSQL.
 */
export function filterToSql(
  filter: ClipFilter | undefined,
  literal: (value: string | number) => string,
  dialect: 'lance' | 'postgres',
): string | undefined {
  if (!filter || filter.length === 0) return undefined;
  return filter.map((c) => conditionSql(c, literal, dialect)).join(' AND ');
}

function conditionSql(
  c: Condition,
  literal: (value: string | number) => string,
  dialect: 'lance' | 'postgres',
): string {
  const column = quoteColumn(c.column);
  if (c.op === '~') {
    const pattern = `%${String(c.value)
      .toLowerCase()
      .replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    return dialect === 'postgres'
      ? `lower(${column}) LIKE ${literal(pattern)}`
      : `lower(${column}) LIKE ${literal(pattern)} ESCAPE '\\'`;
  }
  return `${column} ${c.op === '!=' ? '<>' : c.op} ${literal(c.value)}`;
}

function quoteColumn(column: ClipColumn): string {
  if (!(column in CLIP_COLUMNS)) throw new Error(`not a clip column: ${column}`);
  return column; // every column name is a plain lower-case identifier, none a reserved word
}

/** An inline SQL literal for LanceDB: strings quoted with '' doubled; numbers as written. */
export function lanceLiteral(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NULL';
  return `'${value.replace(/'/g, "''")}'`;
}
