import { OrbisError } from '../core/index.js';

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * A failure from `pg` as an OrbisError that says what to do: the server is down, refuses the password,
 * lacks pgvector, or a statement failed.
 */
export function postgresError(error: unknown, url: string): OrbisError {
  if (OrbisError.isInstance(error)) return error;
  const where = redactUrl(url);
  const e = error as { code?: string; message?: string };
  const message = e.message ?? String(error);
  if (
    e.code === 'ECONNREFUSED' ||
    e.code === 'ENOTFOUND' ||
    e.code === 'EHOSTUNREACH' ||
    /timeout/i.test(message)
  )
    return new OrbisError(
      'SEARCH_STORE_UNREACHABLE',
      `cannot reach PostgreSQL at ${where} (${e.code ?? message})`,
      {
        hint: 'start the server, or pass the right host and port in --store',
        cause: error,
      },
    );
  if (/Connection terminated|ECONNRESET|EPIPE/.test(message) || e.code === 'ECONNRESET' || e.code === 'EPIPE')
    return new OrbisError(
      'SEARCH_STORE_UNREACHABLE',
      `cannot reach PostgreSQL at ${where}: the connection broke`,
      {
        hint: 'check that the server is up and reachable, then retry',
        cause: error,
      },
    );
  if (e.code === '28P01' || e.code === '28000')
    return new OrbisError('SEARCH_STORE_AUTH', `PostgreSQL at ${where} refused the login: ${message}`, {
      hint: 'check the user and password in the URL (or PGPASSWORD)',
      cause: error,
    });
  if (e.code === '3D000')
    return new OrbisError('SEARCH_STORE_UNREACHABLE', `PostgreSQL at ${where}: ${message}`, {
      hint: 'create the database first (createdb), or name an existing one in the URL',
      cause: error,
    });
  if (/extension "vector"|vector\.control/.test(message))
    return new OrbisError('SEARCH_STORE_FAILED', `PostgreSQL at ${where} has no pgvector: ${message}`, {
      hint: 'install the pgvector extension on the server (https://github.com/pgvector/pgvector)',
      cause: error,
    });
  if (/different vector dimensions|expected \d+ dimensions/.test(message))
    return new OrbisError('SEARCH_DIMENSION_MISMATCH', `PostgreSQL at ${where}: ${message}`, {
      cause: error,
    });
  return new OrbisError('SEARCH_STORE_FAILED', `PostgreSQL at ${where} failed: ${message}`, { cause: error });
}
