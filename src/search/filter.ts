import { OrbisError } from '../core/index.js';
import {
  CLIP_COLUMN_NAMES,
  CLIP_COLUMNS,
  type ClipColumn,
  COLUMN_FIELD,
  type IndexedClip,
} from './indexed-clip.js';

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';

/** One condition on a metadata column; `~` is "contains" (text columns only). */
export interface Condition {
  column: ClipColumn;
  op: FilterOp;
  value: string | number;
}

/** Conditions that must all hold. Stores compile it to their own query language. */
export type ClipFilter = readonly Condition[];

/** Friendlier names users may write in --where. */
const ALIASES: Record<string, ClipColumn> = { start: 'span_start', end: 'span_end', resolution: 'height' };

const CONDITION = /^\s*([a-z_]+)\s*(<=|>=|!=|=|<|>|~)\s*(?:'([^']*)'|"([^"]*)"|([^\s'"]+))\s*$/i;

/**
 * Parse `--where` text: conditions joined by `and`, each `column op value`, e.g.
 * `duration>=3 and source~street and height>=720`. Unknown columns, wrong value types and unparsable
 * conditions are SEARCH_FILTER_INVALID errors that say what was expected.
 */
export function parseFilter(text: string): ClipFilter {
  const parts = splitAnd(text);
  return parts.map((part) => {
    const m = CONDITION.exec(part);
    if (!m) throw invalid(`cannot read "${part.trim()}" in the filter`);
    const name = m[1]!.toLowerCase();
    const column = (ALIASES[name] ?? name) as ClipColumn;
    if (!(column in CLIP_COLUMNS)) throw invalid(`unknown column "${name}" in the filter`);
    const op = m[2] as FilterOp;
    const raw = m[3] ?? m[4] ?? m[5] ?? '';
    const quoted = m[3] !== undefined || m[4] !== undefined;
    const numeric = CLIP_COLUMNS[column] === 'number';
    if (numeric && (quoted || raw === '' || !Number.isFinite(Number(raw))))
      throw invalid(`"${column}" is a number column; "${raw}" is not a number`);
    return checkCondition({ column, op, value: numeric ? Number(raw) : raw });
  });
}

/** Validate a condition built in code the same way as parsed ones. */
export function checkCondition(c: Condition): Condition {
  const kind = CLIP_COLUMNS[c.column];
  if (!kind) throw invalid(`unknown column "${c.column}" in the filter`);
  if (kind === 'number' && (typeof c.value !== 'number' || !Number.isFinite(c.value)))
    throw invalid(`"${c.column}" is a number column; "${String(c.value)}" is not a number`);
  if (kind === 'text' && typeof c.value !== 'string') throw invalid(`"${c.column}" is a text column`);
  if (c.op === '~' && kind !== 'text')
    throw invalid(`"~" (contains) works on text columns, not "${c.column}"`);
  return c;
}

/** The in-memory meaning of a filter, which every store's compiled form must agree with. */
export function matchesFilter(clip: IndexedClip, filter: ClipFilter | undefined): boolean {
  if (!filter) return true;
  return filter.every((c) => {
    const v = clip[COLUMN_FIELD[c.column]] as string | number | null;
    return v !== null && holds(v, c.op, c.value); // SQL semantics: a null never satisfies a comparison
  });
}

function holds(v: string | number, op: FilterOp, value: string | number): boolean {
  if (op === '=') return v === value;
  if (op === '!=') return v !== value;
  if (op === '<') return v < value;
  if (op === '<=') return v <= value;
  if (op === '>') return v > value;
  if (op === '>=') return v >= value;
  return String(v).toLowerCase().includes(String(value).toLowerCase());
}

function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  const words = text.split(/(\s+|'|")/);
  for (const w of words) {
    if (quote) {
      current += w;
      if (w === quote) quote = undefined;
    } else if (w === "'" || w === '"') {
      current += w;
      quote = w;
    } else if (/^and$/i.test(w)) {
      parts.push(current);
      current = '';
    } else current += w;
  }
  if (quote) throw invalid(`unclosed quote in the filter "${text}"`);
  parts.push(current);
  if (parts.some((p) => !p.trim())) throw invalid(`empty condition in the filter "${text}"`);
  return parts;
}

function invalid(message: string): OrbisError {
  return new OrbisError('SEARCH_FILTER_INVALID', message, {
    hint: `write conditions like "duration>=3 and source~street"; columns: ${CLIP_COLUMN_NAMES.filter((c) => c !== 'id').join(', ')}; operators: = != < <= > >= ~ (contains)`,
  });
}
