import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { OrbisError } from '../core/index.js';

/**
 * Where the distributed engine lives: `redis://[user:password@]host[:port][/db]`. Parsed once, checked with
 * one PING that fails fast, so an unreachable server or a wrong password is a one-line error instead of
 * ioredis retrying forever.
 */
export interface Engine {
  url: string;
  /** The URL without its password, for messages and reports. */
  display: string;
  options: RedisOptions;
}

export function parseEngine(url: string): Engine {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(url);
  }
  if (parsed.protocol !== 'redis:') throw invalid(url);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw invalid(url);
  const options: RedisOptions = {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
  };
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return { url, display: shown.toString(), options };
}

function invalid(url: string): OrbisError {
  return new OrbisError('ENGINE_INVALID', `"${url}" is not a Redis URL`, {
    hint: 'use --engine redis://host:port (redis://:password@host:port with a password)',
  });
}

/**
 * Connection settings for BullMQ (which then owns, and closes, its connections) and for our own keys:
 * reconnect after a restart, blocking commands allowed.
 */
export function connectionOptions(engine: Engine): ConnectionOptions {
  return reconnecting(engine) as ConnectionOptions;
}

function reconnecting(engine: Engine): RedisOptions {
  return {
    ...engine.options,
    maxRetriesPerRequest: null,
    // Back off up to 2 s between reconnects: a Redis restart is survived, not fatal.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}

/** A connection of our own (for the run's keys); the caller disconnects it. */
export function connect(engine: Engine): Redis {
  return new Redis(reconnecting(engine));
}

/** One PING with a short timeout and no retries: the clear error up front, before any work starts. */
export async function checkEngine(engine: Engine): Promise<void> {
  const probe = new Redis({
    ...engine.options,
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // An authentication failure arrives as an 'error' event, then connect() says only "Connection is closed".
  let seen: Error | undefined;
  probe.on('error', (error: Error) => {
    seen ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    // The event's error says why; "Connection is closed" after it adds nothing.
    const message = seen?.message ?? (error as Error).message ?? String(error);
    if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) {
      throw new OrbisError(
        'REDIS_AUTH_FAILED',
        `Redis at ${engine.display} refused the credentials: ${message}`,
        {
          hint: 'put the right password in the URL: redis://:password@host:port (or redis://user:password@host:port)',
          cause: error,
        },
      );
    }
    throw new OrbisError('REDIS_UNREACHABLE', `cannot reach Redis at ${engine.display}: ${message}`, {
      hint: 'start redis-server there (it must be reachable from every worker), or fix --engine',
      cause: error,
    });
  } finally {
    probe.disconnect();
  }
}
