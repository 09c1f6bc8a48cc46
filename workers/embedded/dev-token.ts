/**
 * Keeps the recorded USDT contract true to the chain: if the chain has no code at the recorded address (a fresh or
 * reset anvil), the test token is deployed again and its new address recorded.
 */
import { JsonRpcProvider, Wallet } from 'ethers';
import { DevAccount, devPrivateKey } from '../../chains/evm/dev-accounts.js';
import { deployTestUsdt } from '../../chains/evm/test-usdt.js';
import type { Sql } from '../../db/client.js';
import { loadCurrencies, setTokenContract } from '../../db/currencies.js';
import type { Logger } from '../log.js';

const INITIAL_SUPPLY = 1_000_000_000n * 10n ** 6n; // a billion test USDT to the deployer

export async function ensureDevToken(sql: Sql, rpcUrl: string, log: Logger): Promise<string> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  try {
    const recorded = (await loadCurrencies(sql)).find((c) => c.code === 'USDT')?.tokenContract;
    if (recorded && (await provider.getCode(recorded)) !== '0x') return recorded;
    const address = await deployTestUsdt(new Wallet(devPrivateKey(DevAccount.Deployer), provider), INITIAL_SUPPLY);
    await setTokenContract(sql, 'USDT', address);
    log.info({ address, previous: recorded ?? null }, 'deployed the test USDT token');
    return address;
  } finally {
    provider.destroy();
  }
}
