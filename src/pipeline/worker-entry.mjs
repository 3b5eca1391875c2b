// Entry point of pipeline worker threads when Orbis runs from its TypeScript sources: registers tsx's
// loader in this thread, then loads the worker. (A build to JavaScript starts worker.js directly.)
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
