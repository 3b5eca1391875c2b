#!/usr/bin/env node
import { runCli } from './program.js';

// Ctrl-C aborts the running command cleanly (children are stopped, partial outputs removed);
// a second Ctrl-C exits at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort(new Error('interrupted'));
  process.once('SIGINT', () => process.exit(130));
});
process.once('SIGTERM', () => controller.abort(new Error('terminated')));

// A closed pipe downstream (orbis ... | head) is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2), {}, controller.signal);
