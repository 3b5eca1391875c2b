import { parentPort, workerData } from 'node:worker_threads';
import { createStage, type StageSpec } from './stage.js';

/**
 * The body of a worker thread: builds one stage from its spec (setup runs here, in the worker), then
 * processes the batches it is sent until told to stop.
 */
type Message = { type: 'batch'; id: number; items: unknown[] } | { type: 'stop' };

const spec = workerData as Pick<StageSpec, 'module' | 'factory' | 'options' | 'name'>;
const port = parentPort!;

try {
  const stage = await createStage(spec);
  await stage.setup?.();
  port.on('message', async (message: Message) => {
    if (message.type === 'stop') {
      await stage.teardown?.();
      port.close();
      return;
    }
    try {
      const started = performance.now();
      const out = await stage.process(message.items);
      port.postMessage({ type: 'done', id: message.id, out, busyMs: performance.now() - started });
    } catch (error) {
      port.postMessage({ type: 'failed', id: message.id, error: (error as Error).message ?? String(error) });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (error) {
  port.postMessage({ type: 'setup-failed', error: (error as Error).message ?? String(error) });
}
