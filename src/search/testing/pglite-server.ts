import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** PostgreSQL with pgvector (PGlite, WASM) served over the wire protocol on a free loopback port. */
export interface PgliteServer {
  /** A postgres:// URL for the `pg` client. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Start PGlite + pgvector behind a socket server, for tests and benchmarks: Debian 12 packages no
 * pgvector, and the PostgreSQL store must be exercised through the real wire protocol and `pg` client.
 * PGlite runs one query at a time and checks no password.
 */
export async function startPgliteServer(
  options: {
    maxConnections?: number;
    /** A folder for the database files; unset, they live in WASM memory (2 GiB in all, with the index build's). */
    dataDir?: string;
  } = {},
): Promise<PgliteServer> {
  const db = await PGlite.create({
    extensions: { vector },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: options.maxConnections ?? 16,
  });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  return {
    url: `postgres://postgres:postgres@${host}:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
