// Runs curate() in its own process, so a test can kill it mid-run: node --import tsx test/curate-child.ts <out> <input...>
import { curate } from '../src/curator/index.js';

const [out, ...inputs] = process.argv.slice(2);
await curate(inputs, { out: out! });
process.stdout.write('done\n');
