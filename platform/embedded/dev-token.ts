/**
 * Keeps the recorded USDT contract true to the chain: if the chain has no code at the recorded address (a fresh or
 * reset anvil), the test token is deployed again and its new address recorded. The dev hot wallets, which pay USDT
 * withdrawals, are topped up from the deployer whenever they run low.
 */
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { DevAccount, devPrivateKey } from '../../chains/evm/dev-accounts.js';
import { deployTestUsdt } from '../../chains/evm/test-usdt.js';
import type { Sql } from '../db/client.js';
import { loadCurrencies, setTokenContract } from '../../services/currencies/catalog.js';
import type { Logger } from '../log.js';

const INITIAL_SUPPLY = 1_000_000_000n * 10n ** 6n; // a billion test USDT to the deployer
const HOT_WALLET_STOCK = 1_000_000n * 10n ** 6n;
const ERC20 = [
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
];

export async function ensureDevToken(sql: Sql, rpcUrl: string, log: Logger): Promise<string> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployer = new Wallet(devPrivateKey(DevAccount.Deployer), provider);
    const recorded = (await loadCurrencies(sql)).find((c) => c.code === 'USDT')?.tokenContract;
    let address = recorded;
    if (!address || (await provider.getCode(address)) === '0x') {
      address = await deployTestUsdt(deployer, INITIAL_SUPPLY);
      await setTokenContract(sql, 'USDT', address);
      log.info({ address, previous: recorded ?? null }, 'deployed the test USDT token');
    }
    const token = new Contract(address, ERC20, deployer);
    for (const hot of [DevAccount.HotWalletA, DevAccount.HotWalletB]) {
      const wallet = new Wallet(devPrivateKey(hot)).address;
      const held = (await token.getFunction('balanceOf')(wallet)) as bigint;
      if (held < HOT_WALLET_STOCK / 2n) await (await token.getFunction('transfer')(wallet, HOT_WALLET_STOCK - held)).wait();
    }
    return address;
  } finally {
    provider.destroy();
  }
}
