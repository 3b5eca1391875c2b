import { OrbisError, parseTimecode } from '../core/index.js';

/** Parsers for option values, each failing with a message that names the option. */

export function parseNumber(
  name: string,
  text: string,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const value = Number(text);
  const { min = -Infinity, max = Infinity, integer = false } = range;
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? 'a whole number' : 'a number';
    const bounds = [Number.isFinite(min) ? `>= ${min}` : '', Number.isFinite(max) ? `<= ${max}` : ''].filter(
      Boolean,
    );
    throw usage(`${name} must be ${kind}${bounds.length ? ` ${bounds.join(' and ')}` : ''}, not "${text}"`);
  }
  return value;
}

/** --temperature, --top-k, --top-p of a world model's sampler; those not given are left out (the model's
 * recommended values apply). */
export function parseSampling(options: { temperature?: string; topK?: string; topP?: string }): {
  temperature?: number;
  topK?: number;
  topP?: number;
} {
  const { temperature, topK, topP } = options;
  return {
    ...(temperature === undefined
      ? {}
      : { temperature: parseNumber('--temperature', temperature, { min: 0 }) }),
    ...(topK === undefined ? {} : { topK: parseNumber('--top-k', topK, { min: 0, integer: true }) }),
    ...(topP === undefined ? {} : { topP: parseNumber('--top-p', topP, { min: 0, max: 1 }) }),
  };
}

/** "640x360", "640" (width, keep aspect) or "x360" (height, keep aspect). */
export function parseSize(name: string, text: string): { width?: number; height?: number } {
  const m = /^(\d+)?(?:[xX:](\d+))?$/.exec(text.trim());
  if (!m || (!m[1] && !m[2])) throw usage(`${name} must look like 640x360, 640 or x360, not "${text}"`);
  const size: { width?: number; height?: number } = {};
  if (m[1]) size.width = parseNumber(`${name} width`, m[1], { min: 1, max: 16384, integer: true });
  if (m[2]) size.height = parseNumber(`${name} height`, m[2], { min: 1, max: 16384, integer: true });
  return size;
}

export function parseTime(name: string, text: string, fps?: number): number {
  try {
    return parseTimecode(text, fps);
  } catch (error) {
    const hint = OrbisError.isInstance(error) ? error.hint : undefined;
    throw usage(`${name}: cannot read the time "${text}"`, hint);
  }
}

export function usage(message: string, hint?: string): OrbisError {
  return new OrbisError('INVALID_ARGUMENT', message, { hint: hint ?? 'see --help' });
}
