/**
 * Progress for long work: redrawn bars on a terminal, plain lines in logs and CI (at most one per task
 * every few seconds, plus one when it finishes), or nothing with --quiet. Always written to stderr.
 */

export type ProgressMode = 'bars' | 'lines' | 'none';

export interface ProgressTask {
  /** Advance by n units (default 1). */
  tick(n?: number): void;
  /** Set the units done, and optionally the total. */
  update(done: number, total?: number): void;
  /** A short status shown after the counts, e.g. "12.3 fps". */
  note(text: string): void;
  /** Mark the task finished, with an optional final note. */
  done(note?: string): void;
}

export interface Progress {
  task(name: string, total?: number): ProgressTask;
  close(): void;
}

export interface ProgressOptions {
  mode: ProgressMode;
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Minimum milliseconds between plain lines for one task. */
  lineIntervalMs?: number;
}

export function resolveProgressMode(
  setting: 'auto' | ProgressMode,
  options: { quiet?: boolean; isTTY?: boolean } = {},
): ProgressMode {
  if (options.quiet) return 'none';
  if (setting !== 'auto') return setting;
  return options.isTTY ? 'bars' : 'lines';
}

interface TaskState {
  name: string;
  done: number;
  total: number | undefined;
  note: string;
  finished: boolean;
  startedAt: number;
  lastLineAt: number;
}

const noopTask: ProgressTask = { tick() {}, update() {}, note() {}, done() {} };

export function createProgress(options: ProgressOptions): Progress {
  if (options.mode === 'none') return { task: () => noopTask, close() {} };
  const stream = options.stream ?? process.stderr;
  const tasks: TaskState[] = [];
  const lineInterval = options.lineIntervalMs ?? 5000;
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;

  const draw = (): void => {
    const width = Math.max(40, Math.min(stream.columns ?? 80, 120));
    let out = drawnLines > 0 ? `\x1b[${drawnLines}A` : '';
    for (const t of tasks) out += `\x1b[2K${barLine(t, width)}\n`;
    drawnLines = tasks.length;
    stream.write(out);
  };
  const schedule = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      draw();
    }, 100);
    timer.unref();
  };
  const line = (t: TaskState, force: boolean): void => {
    const now = Date.now();
    if (!force && now - t.lastLineAt < lineInterval) return;
    t.lastLineAt = now;
    stream.write(`${plainLine(t)}\n`);
  };

  return {
    task(name, total) {
      const now = Date.now();
      // The first plain line waits one interval, so quick tasks print only their final line.
      const t: TaskState = {
        name,
        done: 0,
        total,
        note: '',
        finished: false,
        startedAt: now,
        lastLineAt: now,
      };
      tasks.push(t);
      const changed = (force = false): void => {
        if (options.mode === 'bars') schedule();
        else line(t, force);
      };
      return {
        tick(n = 1) {
          t.done += n;
          changed();
        },
        update(done, newTotal) {
          t.done = done;
          if (newTotal !== undefined) t.total = newTotal;
          changed();
        },
        note(text) {
          t.note = text;
          changed();
        },
        done(note) {
          if (t.finished) return;
          t.finished = true;
          if (note !== undefined) t.note = note;
          // An estimated total that was off is corrected, so a finished task reads as complete.
          t.total = t.done;
          changed(true);
        },
      };
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (options.mode === 'bars' && tasks.length > 0) draw();
    },
  };
}

function counts(t: TaskState): string {
  const elapsed = ((Date.now() - t.startedAt) / 1000).toFixed(1);
  const of = t.total === undefined ? `${t.done}` : `${t.done}/${t.total}`;
  return `${of} ${elapsed}s${t.note ? ` ${t.note}` : ''}${t.finished ? ' done' : ''}`;
}

function plainLine(t: TaskState): string {
  const pct = t.total ? ` ${Math.floor((100 * t.done) / t.total)}%` : '';
  return `${t.name}:${pct} ${counts(t)}`;
}

function barLine(t: TaskState, width: number): string {
  const label = t.name.slice(0, 18).padEnd(18);
  const tail = counts(t);
  const barWidth = Math.max(10, width - label.length - tail.length - 4);
  const fraction = t.total ? Math.min(1, t.done / t.total) : t.finished ? 1 : 0;
  const filled = Math.round(fraction * barWidth);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${tail}`.slice(0, width);
}
