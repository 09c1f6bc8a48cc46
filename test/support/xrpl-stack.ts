/**
 * The real stack for XRPL end-to-end tests: the rippled test double, the API and worker (startStack) pointed at it,
 * and XRPL listener processes (the production entry point) that tests can kill and restart.
 */
import { join } from 'node:path';
import { spawnEntryPoint, waitUntil, type ServiceProcess } from '../../platform/embedded/process.js';
import type { Wallet } from 'xrpl';
import { randomAddress } from './rippled/payments.js';
import { FakeRippled } from './rippled/server.js';
import { startStack, type Stack } from './stack.js';
import { putWithdrawalSettings } from './withdrawal-settings.js';

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

/**
 * An XRPL stack that pays withdrawals from `hotWallet`: `funded` gets its XRP on the double before the listener starts,
 * a listener follows the hot wallet, ledgers close every 250 ms, and XRP withdrawals are open (min 1, fee 0.1).
 * Its `stop` stops the ledger closing too.
 */
export interface XrplPayoutStack extends XrplStack {
  /** Holds the ledger still (nothing validates) until `resumeClosing`. */
  pauseClosing(): void;
  resumeClosing(): void;
}

export async function startXrplPayoutStack(
  hotWallet: Wallet,
  funded: { address: string; drops: bigint },
): Promise<XrplPayoutStack> {
  const stack = await startXrplStack({
    depositAddress: randomAddress(),
    mailSink: true,
    env: { XRPL_HOT_WALLET_SEED: hotWallet.seed!, WITHDRAWAL_POLL_INTERVAL: '10m' },
  });
  stack.rippled.fund(funded.address, funded.drops);
  stack.spawnListener();
  await stack.following(hotWallet.classicAddress);
  let stopClosing = stack.rippled.autoClose(250);
  await putWithdrawalSettings(stack, 'XRP', { min_amount: '1', fee_fixed: '0.1' });
  return {
    ...stack,
    pauseClosing: () => stopClosing(),
    resumeClosing() {
      stopClosing = stack.rippled.autoClose(250);
    },
    async stop() {
      stopClosing();
      await stack.stop();
    },
  };
}
