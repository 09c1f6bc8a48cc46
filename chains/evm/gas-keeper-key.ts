/** Whose key the gas keeper signs with: the worker's sender uses it, reconciliation registers its address. */
import { ConfigError, type Config } from '../../platform/config.js';
import { DevAccount, devPrivateKey } from './dev-accounts.js';

/** The gas keeper's key: the configured one, or on a dev stack the dev chain's account for it. */
export function gasKeeperKey(config: Config): string {
  const key = config.GAS_KEEPER_PRIVATE_KEY ?? (config.SLUICE_ENV === 'dev' ? devPrivateKey(DevAccount.GasKeeper) : undefined);
  if (!key) throw new ConfigError('Invalid configuration:\n  GAS_KEEPER_PRIVATE_KEY: is required');
  return key;
}
