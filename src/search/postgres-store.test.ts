import { PostgresStore } from './postgres-store.js';
import { vectorStoreConformance } from './testing/conformance.js';
import { type PgliteServer, startPgliteServer } from './testing/pglite-server.js';

let server: PgliteServer | undefined;
vectorStoreConformance(
  'PostgreSQL + pgvector (PGlite over the wire protocol)',
  async () => {
    server = await startPgliteServer();
    return PostgresStore.open(server.url, { schema: `test_${process.pid}` });
  },
  async () => server?.stop(),
);
