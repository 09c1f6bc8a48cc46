/**
 * An anvil of a test file's own (a chain it may reorganise or fill without disturbing the shared one). It runs under
 * a watchdog of its own, as the run's shared servers do: should the test's process die without its `afterAll` (a
 * timeout's SIGKILL, a killed run), the watchdog stops the chain, which would otherwise outlive it holding a port.
 */
import { join } from 'node:path';
import { inject } from 'vitest';
import { startAnvil, type AnvilChain } from '../../platform/embedded/anvil.js';
import { watchedTemporaryDir } from '../../platform/embedded/watchdog.js';
import { freePort } from './ports.js';

/** `name` names its log, kept in the run's data dir with the others. */
export async function startOwnAnvil(name: string): Promise<AnvilChain> {
  const scratch = await watchedTemporaryDir(`sluice-${name}-`);
  const logFile = join(inject('testDataDir'), `${name}-${Date.now()}.log`);
  const chain = await startAnvil({ port: await freePort(), logFile }).catch(async (error: unknown) => {
    await scratch.close();
    throw error;
  });
  scratch.watch('anvil', chain.process, 'SIGINT');
  return {
    ...chain,
    async stop() {
      await chain.stop();
      await scratch.close();
    },
  };
}
