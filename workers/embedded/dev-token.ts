/**
 * Keeps the recorded USDT contract true to the chain: if the chain has no code at the recorded address (a fresh or
 * reset anvil), the test token is deployed again and its new address recorded.
 */
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { DevAccount, devPrivateKey } from '../../chains/evm/dev-accounts.js';
import { deployTestUsdt } from '../../chains/evm/test-usdt.js';
import type { Sql } from '../../db/client.js';
import { loadCurrencies, setTokenContract } from '../../db/currencies.js';
import type { Logger } from '../log.js';

const INITIAL_SUPPLY = 1_000_000_000n * 10n ** 6n; // a billion test USDT to the deployer
const HOT_WALLET_STOCK = 1_000_000n * 10n ** 6n;

export async function ensureDevToken(sql: Sql, rpcUrl: string, log: Logger): Promise<string> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  try {
    const recorded = (await loadCurrencies(sql)).find((c) => c.code === 'USDT')?.tokenContract;
    if (recorded && (await provider.getCode(recorded)) !== '0x') return recorded;
    const deployer = new Wallet(devPrivateKey(DevAccount.Deployer), provider);
    const address = await deployTestUsdt(deployer, INITIAL_SUPPLY);
    // the dev hot wallets pay USDT withdrawals: give them a stock
    const token = new Contract(address, ['function transfer(address to, uint256 value) returns (bool)'], deployer);
    for (const hot of [DevAccount.HotWalletA, DevAccount.HotWalletB]) {
      await (await token.getFunction('transfer')(new Wallet(devPrivateKey(hot)).address, HOT_WALLET_STOCK)).wait();
    }
    await setTokenContract(sql, 'USDT', address);
    log.info({ address, previous: recorded ?? null }, 'deployed the test USDT token');
    return address;
  } finally {
    provider.destroy();
  }
}
