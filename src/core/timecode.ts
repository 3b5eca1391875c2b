import { OrbisError } from './errors.js';

/**
 * Parse a time given by a user: seconds ("12.5"), clock time ("1:02.5", "01:02:03.250"), or a frame number
 * with an `f` suffix ("150f", needs `fps`). Returns seconds.
 */
export function parseTimecode(text: string, fps?: number): number {
  const value = text.trim();
  const frames = /^(\d+)f$/.exec(value);
  if (frames) {
    if (!fps) throw badTime(text, 'a frame number needs a known frame rate');
    return Number(frames[1]) / fps;
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(value);
  if (clock) {
    const [, h = '0', m = '0', s = '0'] = clock;
    if (Number(m) >= 60 || Number(s) >= 60) throw badTime(text, 'minutes and seconds must be under 60');
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  }
  throw badTime(text, 'use seconds (12.5), clock time (1:02.5 or 01:02:03.250) or frames (150f)');
}

/** Seconds as HH:MM:SS.mmm. */
export function formatTimecode(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

function badTime(text: string, why: string): OrbisError {
  return new OrbisError('INVALID_ARGUMENT', `cannot read the time "${text}"`, { hint: why });
}
