/**
 * A small leveled logger writing to stderr, so stdout stays clean for results and --json. With `json`
 * each record is one JSON line.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
  readonly level: LogLevel;
}

export interface LoggerOptions {
  level?: LogLevel;
  json?: boolean;
  stream?: { write(text: string): unknown };
  scope?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? false;
  const scope = options.scope;

  const emit = (at: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void => {
    if (rank[at] < rank[level]) return;
    if (json) {
      stream.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: at, scope, message, ...fields })}\n`,
      );
      return;
    }
    const prefix = at === 'info' ? '' : `${at}: `;
    const where = scope ? `[${scope}] ` : '';
    const extra = fields && Object.keys(fields).length > 0 ? ` ${formatFields(fields)}` : '';
    stream.write(`${prefix}${where}${message}${extra}\n`);
  };

  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (child) => createLogger({ ...options, scope: scope ? `${scope}:${child}` : child }),
  };
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
