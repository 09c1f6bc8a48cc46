/**
 * Keeps the dev chain's test USDT usable: if the chain has no code at the recorded address (a fresh or reset anvil),
 * the token is deployed again; the caller records the address returned. The dev hot wallets, which pay USDT
 * withdrawals, are topped up from the deployer whenever they run low.
 */
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { DevAccount, devPrivateKey } from '../../chains/evm/dev-accounts.js';
import { deployTestUsdt } from '../../chains/evm/test-usdt.js';
import type { Logger } from '../log.js';

const INITIAL_SUPPLY = 1_000_000_000n * 10n ** 6n; // a billion test USDT to the deployer
const HOT_WALLET_STOCK = 1_000_000n * 10n ** 6n;
const ERC20 = [
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
];

/** The token's address on the chain: `recorded` if the token is still there, else the new deployment's. */
export async function ensureDevToken(rpcUrl: string, recorded: string | null, log: Logger): Promise<string> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployer = new Wallet(devPrivateKey(DevAccount.Deployer), provider);
    let address = recorded;
    if (!address || (await provider.getCode(address)) === '0x') {
      address = await deployTestUsdt(deployer, INITIAL_SUPPLY);
      log.info({ address, previous: recorded }, 'deployed the test USDT token');
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
