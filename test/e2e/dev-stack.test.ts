/**
 * The dev stack (`workers/dev.ts`, what `make start` runs) stopped in every way people stop it, on free ports and a
 * data dir of its own: nothing may outlive it, a restart on the same data dir cleans up after a supervisor killed
 * outright, a port held by a stranger stops start-up, and a part that keeps dying stops the stack. To keep it fast
 * the stack runs without the worker and the listeners (DEV_SKIP_PROCESSES): the supervisor treats every part alike.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isRunning, readPidFile, stackPidFile, type RecordedProcess } from '../../platform/embedded/pid-file.js';
import { spawnEntryPoint, waitUntil, type ServiceProcess } from '../../platform/embedded/process.js';
import { freePort, probePort } from '../support/ports.js';

let ports: Record<string, string>;
/** One data dir for the starts that succeed: after the first, each resumes it (no initdb, no token to deploy). */
let dataDir: string;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  const [api, pg, temporal, ui, anvil, mail] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  ports = {
    PORT: String(api),
    DEV_POSTGRES_PORT: String(pg),
    DEV_TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    DEV_ANVIL_PORT: String(anvil),
    MAIL_SINK_PORT: String(mail),
  };
  dataDir = await newDataDir();
});
afterAll(async () => {
  await Promise.allSettled(running.map((stack) => stack.stop('SIGTERM', 60_000)));
});

async function newDataDir(): Promise<string> {
  const dir = join(inject('testDataDir'), `dev-stack-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Spawns the dev stack (its own process group, as a terminal's foreground job is); `ready` waits until it serves. */
function spawnDev(dataDir: string, env: Record<string, string> = {}): { stack: ServiceProcess; output: () => Promise<string> } {
  const logFile = join(dataDir, `dev-${randomBytes(2).toString('hex')}.log`);
  const stack = spawnEntryPoint('dev', {
    logFile,
    output: 'file',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      ADMIN_EMAIL: 'admin@dev-stack.test',
      ADMIN_PASSWORD: 'dev stack admin password',
      DEV_SKIP_PROCESSES: 'worker,listener-evm,listener-xrpl',
      ...ports,
      ...env,
    },
  });
  running.push(stack);
  return { stack, output: () => readFile(logFile, 'utf8').catch(() => '') };
}

async function startDev(dataDir: string, env: Record<string, string> = {}) {
  const dev = spawnDev(dataDir, env);
  await waitUntil(
    'the dev stack serving',
    async () => {
      if (!(await dev.output()).includes('Sluice is running')) throw new Error('not yet');
    },
    { timeoutMs: 150_000, intervalMs: 250, process: dev.stack },
  );
  const parts = readPidFile(stackPidFile(dataDir));
  expect(parts.map((p) => p.name)).toEqual(['supervisor', 'watchdog', 'postgres', 'temporal', 'anvil', 'mail-sink', 'api']);
  expect(parts.every(isRunning)).toBe(true);
  return { ...dev, parts };
}

const part = (parts: RecordedProcess[], name: string) => parts.find((p) => p.name === name)!;

async function allGone(parts: RecordedProcess[], timeoutMs: number): Promise<void> {
  await waitUntil(
    'every part of the stack gone',
    async () => {
      const alive = parts.filter(isRunning);
      if (alive.length > 0) throw new Error(`still running: ${alive.map((p) => p.name).join(', ')}`);
    },
    { timeoutMs, intervalMs: 100 },
  );
}

describe('the dev stack', () => {
  it('stops every part on Ctrl-C (SIGINT to its process group)', { timeout: 240_000 }, async () => {
    const { stack, parts } = await startDev(dataDir);
    process.kill(-stack.child.pid!, 'SIGINT');
    expect(await stack.exited).toBe(0);
    await allGone(parts, 1_000);
    expect(readPidFile(stackPidFile(dataDir))).toEqual([]);
  });

  it('stops every part when its terminal closes (SIGHUP to its process group)', { timeout: 240_000 }, async () => {
    const { stack, parts } = await startDev(dataDir);
    process.kill(-stack.child.pid!, 'SIGHUP');
    expect(await stack.exited).toBe(0);
    await allGone(parts, 1_000);
  });

  it('leaves nothing running when the supervisor is killed with SIGKILL', { timeout: 240_000 }, async () => {
    const { stack, parts } = await startDev(dataDir);
    stack.child.kill('SIGKILL');
    // the watchdog stops PostgreSQL, Temporal and anvil after the API (whose graceful close takes seconds on a loaded
    // machine); the Node parts stop themselves
    await allGone(parts, 30_000);
  });

  it(
    'after supervisor and watchdog were both killed, a start on the same data dir stops the leftovers; a part that keeps dying stops the stack',
    { timeout: 300_000 },
    async () => {
      const first = await startDev(dataDir);
      for (const name of ['supervisor', 'watchdog']) process.kill(part(first.parts, name).pid, 'SIGKILL');
      // the Node parts see their IPC channel close; PostgreSQL, Temporal and anvil cannot, and stay
      await allGone(
        first.parts.filter((p) => ['mail-sink', 'api'].includes(p.name)),
        20_000, // a graceful close, on a loaded machine
      );
      const leftovers = first.parts.filter((p) => ['postgres', 'temporal', 'anvil'].includes(p.name));
      expect(leftovers.every(isRunning)).toBe(true);

      const second = await startDev(dataDir, { DEV_RESTART_BACKOFF_MS: '100', DEV_MAX_RESTARTS: '2' });
      expect(await second.output()).toContain(
        `Stopped what an earlier run of ${dataDir} left running: ${['anvil', 'temporal', 'postgres'].map((name) => `${name} (pid ${part(first.parts, name).pid})`).join(', ')}`,
      );
      expect(leftovers.some(isRunning)).toBe(false);

      // anvil dies: started again on its saved state
      const anvil = part(second.parts, 'anvil');
      process.kill(anvil.pid, 'SIGKILL');
      await waitUntil(
        'anvil restarted',
        async () => {
          const restarted = part(readPidFile(stackPidFile(dataDir)), 'anvil');
          if (!restarted || restarted.pid === anvil.pid || !isRunning(restarted)) throw new Error('not yet');
          await probePort(Number(ports.DEV_ANVIL_PORT));
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );

      // the SMTP sink dies three times in a row: restarted twice with backoff, then the stack gives up
      let sink = part(second.parts, 'mail-sink');
      for (let death = 1; death <= 3; death++) {
        process.kill(sink.pid, 'SIGKILL');
        if (death === 3) break;
        await waitUntil(
          'the SMTP sink restarted',
          async () => {
            const restarted = part(readPidFile(stackPidFile(dataDir)), 'mail-sink');
            if (!restarted || restarted.pid === sink.pid) throw new Error('not yet');
            sink = restarted;
          },
          { timeoutMs: 30_000, intervalMs: 50 },
        );
      }
      const lastParts = readPidFile(stackPidFile(dataDir)); // with the restarted anvil
      expect(await second.stack.exited).toBe(1);
      const output = await second.output();
      expect(output).toMatch(/"process":"mail-sink".*"msg":"process died; restarting"/);
      expect(output).toContain('mail-sink died 3 times in a row (last: killed by SIGKILL); stopping the stack');
      await allGone([...lastParts, ...second.parts], 1_000);
    },
  );

  it('refuses to start when a port is held by another process, naming the port, its variable and the holder', async () => {
    const stranger = createServer();
    await new Promise<void>((resolve) => stranger.listen(Number(ports.PORT), '127.0.0.1', resolve));
    try {
      const dev = spawnDev(dataDir);
      expect(await dev.stack.exited).toBe(1);
      const output = await dev.output();
      expect(output).toContain(`port ${ports.PORT} (the API) is held by pid ${process.pid} (`);
      expect(output).toContain('set PORT to a free port');
      expect(output).not.toContain('Sluice is running');
      expect(readPidFile(stackPidFile(dataDir)).filter(isRunning)).toEqual([]);
    } finally {
      stranger.close();
    }
  });
});
