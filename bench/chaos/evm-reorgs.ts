/**
 * EVM reorgs below the confirmation count on the dev stack (anvil, CONFIRMATIONS confirmations): for each depth, ETH
 * and USDT deposits are mined into one block, seen by the listener, given `depth` confirmations, and then that block
 * and the ones on it are replaced by empty ones (`anvil_reorg`). None of them may ever be credited; all must end
 * dropped; deposits made after the reorg must be credited as usual (the listener went on).
 */
import { Contract, JsonRpcProvider, NonceManager, Wallet, parseEther, parseUnits } from 'ethers';
import { DevAccount, devPrivateKey } from '../../chains/evm/dev-accounts.js';
import { waitUntil } from '../../platform/embedded/process.js';
import { startDevStack, type DevStack } from '../support/dev-stack.js';
import { runConcurrently } from '../support/stats.js';
import type { ChaosRow } from './support.js';

const CONFIRMATIONS = 6;
const DEPTHS = [1, 2, 5];
const DEPOSITS_PER_REORG = 6; // half ETH, half USDT
const AFTER_EACH_REORG = 2;

export async function evmReorgs(): Promise<ChaosRow[]> {
  const scenario = `EVM reorgs at depths ${DEPTHS.join(', ')} (${CONFIRMATIONS} confirmations)`;
  const stack = await startDevStack('chaos-reorg', {
    DEV_SKIP_PROCESSES: 'listener-xrpl',
    EVM_CONFIRMATIONS: String(CONFIRMATIONS),
    EVM_POLL_INTERVAL_MS: '300',
  });
  const provider = new JsonRpcProvider(`http://127.0.0.1:${stack.ports.anvil}`, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  try {
    const usdtAddress = (await stack.api.get('/v1/currencies')).body.data.find((c: { code: string }) => c.code === 'USDT')
      .token_contract as string;
    const customer = new NonceManager(new Wallet(devPrivateKey(DevAccount.Customer), provider));
    const tokenHolder = new NonceManager(new Wallet(devPrivateKey(DevAccount.Deployer), provider));
    const usdt = new Contract(usdtAddress, ['function transfer(address to, uint256 value) returns (bool)'], tokenHolder);
    const addresses = await depositAddresses(stack, DEPTHS.length * (DEPOSITS_PER_REORG + AFTER_EACH_REORG));
    const send = async (address: string, i: number) =>
      (i % 2 === 0
        ? await customer.sendTransaction({ to: address, value: parseEther('0.1') })
        : await usdt.getFunction('transfer')(address, parseUnits('10', 6))
      ).hash.toLowerCase() as string;
    const deposits = async (hashes: string[]) =>
      stack.sql`select d.tx_hash, d.status, o.confirmations from deposits d
                join evm_deposit_observations o on o.deposit_id = d.id where d.tx_hash = any(${hashes})`;

    let credited = 0;
    let notDropped = 0;
    let laterNotCredited = 0;
    for (const [round, depth] of DEPTHS.entries()) {
      const mine = async (blocks: number) => {
        for (let i = 0; i < blocks; i++) await provider.send('evm_mine', []);
      };
      const batch = addresses.slice(round * (DEPOSITS_PER_REORG + AFTER_EACH_REORG));
      await provider.send('evm_setIntervalMining', [0]); // blocks only when mined here, for exact depths
      const reorged: string[] = [];
      for (let i = 0; i < DEPOSITS_PER_REORG; i++) reorged.push(await send(batch[i]!, i));
      await mine(depth); // the deposits' block and depth − 1 on it
      await waitUntil(
        `depth ${depth}: the deposits seen with ${depth} confirmation(s)`,
        async () => {
          const rows = await deposits(reorged);
          if (rows.length < reorged.length || rows.some((r) => r.confirmations !== depth)) throw new Error(JSON.stringify(rows));
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      await provider.send('anvil_reorg', [depth, []]);
      customer.reset();
      tokenHolder.reset();
      await mine(CONFIRMATIONS + 2);
      await provider.send('evm_setIntervalMining', [1]);
      await waitUntil(
        `depth ${depth}: the deposits dropped`,
        async () => {
          const rows = await deposits(reorged);
          if (rows.some((r) => r.status !== 'dropped')) throw new Error(JSON.stringify(rows.map((r) => r.status)));
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      ).catch(() => {});
      notDropped += (await deposits(reorged)).filter((r) => r.status !== 'dropped').length;
      const keys = await stack.sql`select count(*)::int as n from ledger_transfers
                                   where key like 'deposit:%' and split_part(key, ':', 3) = any(${reorged})`;
      credited += keys[0]!.n as number;

      const later: string[] = [];
      for (let i = 0; i < AFTER_EACH_REORG; i++) later.push(await send(batch[DEPOSITS_PER_REORG + i]!, i));
      await waitUntil(
        `depth ${depth}: the deposits after the reorg credited`,
        async () => {
          const rows = await deposits(later);
          if (rows.length < later.length || rows.some((r) => r.status !== 'credited')) throw new Error('not yet');
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      ).catch(() => {});
      laterNotCredited += later.length - (await deposits(later)).filter((r) => r.status === 'credited').length;
    }
    console.log(`  ${scenario}: ${DEPOSITS_PER_REORG} deposits reorged out per depth, ${AFTER_EACH_REORG} after each`);
    return [
      { scenario, count: 'credits from dropped blocks', value: credited },
      { scenario, count: 'reorged deposits not marked dropped', value: notDropped },
      { scenario, count: 'deposits after a reorg not credited', value: laterNotCredited },
    ];
  } finally {
    provider.destroy();
    await stack.stop();
  }
}

async function depositAddresses(stack: DevStack, count: number): Promise<string[]> {
  const addresses: string[] = new Array(count);
  await runConcurrently(count, 5, async (i) => {
    const user = await stack.api.signUp(`reorg-${i}@chaos.test`);
    addresses[i] = (await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token })).body.address;
  });
  return addresses;
}
