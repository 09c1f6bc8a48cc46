/**
 * The real stack for XRPL end-to-end tests: the rippled test double, the API and worker (startStack) pointed at it,
 * and XRPL listener processes (the production entry point) that tests can kill and restart.
 */
import { join } from 'node:path';
import { spawnEntryPoint, waitUntil, type ServiceProcess } from '../../platform/embedded/process.js';
import { FakeRippled } from './rippled/server.js';
import { startStack, type Stack } from './stack.js';

export interface XrplStack extends Stack {
  rippled: FakeRippled;
  depositAddress: string;
  /** Spawns a listener process; it leads if no other one does. */
  spawnListener(name?: string): ServiceProcess;
  /** Waits until some listener follows this address on the double. */
  following(address: string): Promise<void>;
}

export async function startXrplStack(options: {
  depositAddress: string;
  env?: Record<string, string>;
  mailSink?: boolean;
}): Promise<XrplStack> {
  const rippled = await FakeRippled.start();
  const stack = await startStack({
    mailSink: options.mailSink,
    env: {
      XRPL_URL: rippled.url,
      XRPL_DEPOSIT_ADDRESS: options.depositAddress,
      XRPL_RECONNECT_MAX_SECONDS: '1',
      XRPL_STALL_SECONDS: '30',
      ...options.env,
    },
  });
  const listeners: ServiceProcess[] = [];
  const spawnListener = (name = 'listener-xrpl') => {
    const listener = spawnEntryPoint('listener-xrpl', { name, env: stack.env, logFile: join(stack.logDir, `${name}.log`) });
    listeners.push(listener);
    return listener;
  };
  return {
    ...stack,
    rippled,
    depositAddress: options.depositAddress,
    spawnListener,
    following: (address) =>
      waitUntil(
        `a listener following ${address}`,
        async () => {
          if (!rippled.subscribedAccounts().has(address)) throw new Error('not subscribed yet');
        },
        { timeoutMs: 60_000, intervalMs: 50 },
      ),
    async stop() {
      await Promise.allSettled(listeners.map((l) => l.stop('SIGTERM')));
      await stack.stop();
      await rippled.close();
    },
  };
}
