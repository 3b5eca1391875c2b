/**
 * One error base for all of Orbis. Every failure a user can meet carries a stable `code` (what scripts and
 * run reports key on), a one-line `message` that says what went wrong, an optional `hint` that says what to
 * do, structured `details`, and the original `cause`.
 *
 * `OrbisError.isInstance()` works across module copies and worker threads (a symbol marker, not
 * `instanceof`), the way error classes in provider SDKs do it.
 */

const marker = Symbol.for('orbis.error');

export type ErrorCode =
  // configuration and arguments
  | 'CONFIG_INVALID'
  | 'CONFIG_FILE_UNREADABLE'
  | 'INVALID_ARGUMENT'
  | 'OUTPUT_UNWRITABLE'
  // tools the platform drives
  | 'FFMPEG_MISSING'
  | 'FFMPEG_TOO_OLD'
  // video inputs
  | 'VIDEO_NOT_FOUND'
  | 'VIDEO_IS_DIRECTORY'
  | 'VIDEO_UNREADABLE'
  | 'VIDEO_EMPTY'
  | 'VIDEO_NOT_A_VIDEO'
  | 'VIDEO_NO_VIDEO_STREAM'
  | 'VIDEO_UNSUPPORTED_CODEC'
  | 'VIDEO_TRUNCATED'
  | 'VIDEO_CORRUPT'
  | 'VIDEO_TOO_LARGE'
  | 'VIDEO_DECODE_FAILED'
  | 'VIDEO_ENCODE_FAILED'
  // models and the runtime
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'MODEL_INPUT_MISMATCH'
  | 'MODEL_MANIFEST_INVALID'
  | 'MODEL_CHECKSUM_MISMATCH'
  | 'MODEL_MANIFEST_MISMATCH'
  | 'MODEL_FETCH_FAILED'
  // tokens files (orbis tokenize encode/decode)
  | 'TOKENS_INVALID'
  | 'RUNTIME_PROVIDERS_FAILED'
  // served models
  | 'CAPTION_FAILED'
  | 'ENGINE_INVALID'
  | 'REDIS_UNREACHABLE'
  | 'REDIS_AUTH_FAILED'
  | 'PIPELINE_VERSION_MISMATCH'
  | 'NO_WORKERS'
  | 'RUN_NOT_FOUND'
  // search and vector stores
  | 'SEARCH_DATASET_INVALID'
  | 'SEARCH_NO_INDEX'
  | 'SEARCH_DIMENSION_MISMATCH'
  | 'SEARCH_FILTER_INVALID'
  | 'SEARCH_CLIP_NOT_FOUND'
  | 'SEARCH_STORE_INVALID'
  | 'SEARCH_STORE_UNREACHABLE'
  | 'SEARCH_STORE_AUTH'
  | 'SEARCH_STORE_FAILED'
  | 'SEARCH_SHARD_FAILED'
  // synthetic worlds (sim)
  | 'SIM_UNKNOWN_SCENARIO'
  | 'SIM_INVALID_OPTION'
  | 'SIM_RESERVED_SEED'
  // control flow
  | 'ABORTED'
  | 'INTERNAL';

export interface OrbisErrorOptions {
  cause?: unknown;
  hint?: string;
  details?: Record<string, unknown>;
}

export class OrbisError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through the symbol by isInstance()
  private readonly [marker] = true;
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: OrbisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OrbisError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  static isInstance(error: unknown): error is OrbisError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }

  /** The message and the hint as one line, for a terminal or a run report. */
  oneLine(): string {
    const text = this.hint ? `${this.message}; ${this.hint}` : this.message;
    return text.replace(/\s*\n\s*/g, ' ');
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...this.details };
  }
}

/** An input video that cannot be used. `stderrTail` holds the last lines ffmpeg printed, when it ran. */
export class VideoError extends OrbisError {
  readonly path: string;
  readonly stderrTail: string;

  constructor(
    code: ErrorCode,
    path: string,
    message: string,
    options: OrbisErrorOptions & { stderrTail?: string } = {},
  ) {
    const stderrTail = options.stderrTail ?? '';
    super(code, message, {
      ...options,
      details: { path, ...(stderrTail ? { stderrTail } : {}), ...options.details },
    });
    this.name = 'VideoError';
    this.path = path;
    this.stderrTail = stderrTail;
  }
}

/** A configuration value that failed validation; `key` names it, `source` says where it came from. */
export class ConfigError extends OrbisError {
  readonly key: string;
  readonly source: string;

  constructor(key: string, source: string, message: string, options: OrbisErrorOptions = {}) {
    super('CONFIG_INVALID', message, { ...options, details: { key, source, ...options.details } });
    this.name = 'ConfigError';
    this.key = key;
    this.source = source;
  }
}

export function abortError(reason?: unknown): OrbisError {
  return new OrbisError('ABORTED', 'the operation was aborted', { cause: reason });
}

/** Turn anything thrown into an OrbisError, keeping the original as the cause. */
export function toOrbisError(error: unknown): OrbisError {
  if (OrbisError.isInstance(error)) return error;
  if (error instanceof Error && error.name === 'AbortError') return abortError(error);
  const message = error instanceof Error ? error.message : String(error);
  return new OrbisError('INTERNAL', `unexpected error: ${message}`, {
    cause: error,
    hint: 'rerun with --debug and report it with the stack trace',
  });
}
