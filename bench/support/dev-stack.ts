/**
 * The dev stack (`workers/dev.ts`, what `make start` runs) for benches and the fault suite: on free ports and a fresh
 * data directory, with a known admin, its database reachable, and the pids of its parts (DATA_DIR/pids.json).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSql, type Sql } from '../../platform/db/client.js';
import { readPidFile, stackPidFile, type RecordedProcess } from '../../platform/embedded/pid-file.js';
import { spawnEntryPoint, waitUntil, type ServiceProcess } from '../../platform/embedded/process.js';
import { loadOrCreateDevSecrets } from '../../platform/embedded/secrets.js';
import { ApiClient } from '../../test/support/http.js';
import { freePort } from '../../test/support/ports.js';
import { MANY_USERS_FROM_ONE_ADDRESS } from '../../test/support/one-address-env.js';

export interface DevStack {
  dir: string;
  dataDir: string;
  api: ApiClient;
  adminToken: string;
  sql: Sql;
  databaseUrl: string;
  ports: { api: number; postgres: number; temporal: number; ui: number; anvil: number; mail: number };
  process: ServiceProcess;
  /** The part's current process, as the supervisor recorded it (it changes when the part is restarted). */
  part(name: string): RecordedProcess | undefined;
  stop(): Promise<void>;
}

export async function startDevStack(name: string, env: Record<string, string> = {}): Promise<DevStack> {
  const dir = await mkdtemp(join(tmpdir(), `sluice-${name}-`));
  await chmod(dir, 0o755);
  const dataDir = join(dir, 'data');
  const [api, postgres, temporal, ui, anvil, mail] = (await Promise.all(Array.from({ length: 6 }, () => freePort()))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const admin = { email: 'admin@bench.test', password: 'bench admin password' };
  const stack = spawnEntryPoint('dev', {
    output: 'file',
    logFile: join(dir, 'dev.log'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      PORT: String(api),
      DEV_POSTGRES_PORT: String(postgres),
      DEV_TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
      DEV_ANVIL_PORT: String(anvil),
      MAIL_SINK_PORT: String(mail),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      ...MANY_USERS_FROM_ONE_ADDRESS,
      ...env,
    },
  });
  const stop = async () => {
    await stack.stop('SIGINT', 60_000);
    if (process.env.KEEP_BENCH_DIR) console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  };
  try {
    const client = new ApiClient(`http://127.0.0.1:${api}`);
    await waitUntil(
      'the dev stack',
      async () => {
        const health = await client.get('/healthz');
        if (health.status !== 200) throw new Error(JSON.stringify(health.body));
      },
      { timeoutMs: 240_000, process: stack },
    );
    const databaseUrl = `postgres://postgres:${(await loadOrCreateDevSecrets(dataDir)).postgresPassword}@127.0.0.1:${postgres}/sluice`;
    const sql = createSql(databaseUrl, { max: 4, applicationName: `bench-${name}` });
    return {
      dir,
      dataDir,
      api: client,
      adminToken: await client.login(admin.email, admin.password),
      sql,
      databaseUrl,
      ports: { api, postgres, temporal, ui, anvil, mail },
      process: stack,
      part: (part) => readPidFile(stackPidFile(dataDir)).find((p) => p.name === part),
      async stop() {
        await sql.end({ timeout: 5 });
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
