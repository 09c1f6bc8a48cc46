/**
 * The gas keeper as the dashboard and the deposits page show it: the EVM chain's keeper workflow's status, with its
 * amounts in the chain's native currency as the currency catalog configures it (ETH on Ethereum, POL on Polygon…).
 */
import { nativeCurrencyOf } from '../../domain/currencies.js';
import { gasKeeperStatus } from '../../services/collection/client.js';
import type { ApiDeps } from '../context.js';

export async function gasKeeperView(deps: ApiDeps) {
  const chain = deps.evm ? await deps.evm.chain().catch(() => null) : null;
  const [gas, currencies] = await Promise.all([
    // a keeper that does not answer (not started, Temporal away) still leaves the page whole
    chain ? gasKeeperStatus(deps.temporal, chain).catch(() => null) : null,
    deps.currencies.all(),
  ]);
  /** Without a native currency in the catalog the amounts stay in the chain's smallest unit. */
  const native = nativeCurrencyOf(currencies, 'evm')?.code ?? 'wei';
  return { chain, gas, native };
}
