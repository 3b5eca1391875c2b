// Entry point of sim worker threads when Orbis runs from its TypeScript sources: registers tsx's loader in
// this thread, then loads the worker. (A single-file bundle starts itself as the worker instead.)
import { register } from 'tsx/esm/api';

register();
await import('./sim-worker.ts');
