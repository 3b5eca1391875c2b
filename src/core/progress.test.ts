import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress, resolveProgressMode } from './progress.js';

function sink() {
  let text = '';
  const write = (s: string): boolean => {
    text += s;
    return true;
  };
  return { stream: { write, columns: 80 } as unknown as NodeJS.WritableStream, text: () => text };
}

test('mode: quiet silences, auto picks bars on a terminal and lines elsewhere', () => {
  assert.equal(resolveProgressMode('auto', { isTTY: true }), 'bars');
  assert.equal(resolveProgressMode('auto', { isTTY: false }), 'lines');
  assert.equal(resolveProgressMode('bars', { quiet: true }), 'none');
  assert.equal(resolveProgressMode('lines'), 'lines');
});

test('lines mode writes plain lines, including a final one', () => {
  const out = sink();
  const progress = createProgress({ mode: 'lines', stream: out.stream as never, lineIntervalMs: 0 });
  const task = progress.task('decode', 4);
  task.tick();
  task.tick(3);
  task.done('120 fps');
  progress.close();
  const lines = out.text().trim().split('\n');
  assert.ok(lines.length >= 2);
  assert.match(lines.at(-1)!, /^decode: 100% 4\/4 .*120 fps done$/);
  assert.ok(!out.text().includes('\u001b['), 'no terminal codes');
});

test('bars mode redraws in place with terminal codes', async () => {
  const out = sink();
  const progress = createProgress({ mode: 'bars', stream: out.stream as never });
  const task = progress.task('split', 10);
  task.update(5);
  await new Promise((r) => setTimeout(r, 150));
  task.done();
  progress.close();
  assert.ok(out.text().includes('\u001b[2K'), 'clears lines');
  assert.match(out.text(), /split .*\[#+\.*\] 5\/10/);
  assert.match(out.text(), /5\/5 .*done/);
});

test('none mode writes nothing', () => {
  const out = sink();
  const progress = createProgress({ mode: 'none', stream: out.stream as never });
  progress.task('x', 3).tick();
  progress.close();
  assert.equal(out.text(), '');
});
