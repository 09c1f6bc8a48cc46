/**
 * Entry point (dev and tests only): the embedded stack's watchdog. Its supervisor (`workers/dev.ts`, or the test
 * set-up's main process, test/support/services.ts) starts it first, in a process group of its own, with an IPC
 * channel. When the supervisor dies without stopping its parts (kill -9, the OOM killer), the channel closes and the
 * watchdog stops every process still recorded in DATA_DIR/pids.json: PostgreSQL, the Temporal dev server and anvil,
 * which cannot watch a parent themselves (the Node parts stop on their own, platform/shutdown.ts). After a clean
 * stop the supervisor has removed the file, so there is nothing left to do.
 */
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigOrExit } from '../platform/config.js';
import { readPidFile, stackPidFile, stopRecorded } from '../platform/embedded/pid-file.js';
import { projectRoot } from '../platform/tools.js';

if (!process.send) {
  console.error('the watchdog is started by a supervisor (workers/dev.ts, the test set-up), with an IPC channel to it');
  process.exit(2);
}
const dataDir = resolve(projectRoot, loadConfigOrExit().DATA_DIR);
const pidFile = stackPidFile(dataDir);
// a closed terminal or a Ctrl-C is the supervisor's to handle; the watchdog only outlives it
for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});

process.once('disconnect', () => {
  void stopRecorded(readPidFile(pidFile), { except: [process.pid] }).then((stopped) => {
    if (stopped.length > 0) {
      // written here, not to stdout: that was a pipe to the supervisor, gone with it
      appendFileSync(
        join(dataDir, 'logs', 'watchdog.log'),
        `${new Date().toISOString()} the supervisor died; stopped ${stopped.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}\n`,
      );
    }
    process.exit(0);
  });
});
process.send('ready');
