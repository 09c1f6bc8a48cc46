/**
 * The gas keeper's one activity, run on its timer and whenever a request arrives: reconcile its transactions
 * (record what was mined, resubmit with higher fees what waited too long), read its balance, and send the fundings
 * it can pay for (sweeps waiting for gas, requests queued by Update, then wallets whose token deposits are confirming:
 * early fundings) in one batch with consecutive nonces; above its minimum balance but short of what sweeps wait for, it
 * alerts operators (gas-keeper-shortfall.ts).
 */
import { heartbeat } from '@temporalio/activity';
import type { Sql } from '../../platform/db/client.js';
import { committedByOpenSends, sendsByKeys } from '../../chains/evm/sends-store.js';
import { sweepsAwaitingFunding } from '../../services/collection/sweeps-store.js';
import { sweeperWorkflowId } from '../../workflows/collection/sweeper/messages.js';
import { fundingKey } from './sweeper/gas-funding.js';
import { minimumOf } from './sweeper/context.js';
import type { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { walletsToFundEarly } from '../../services/collection/early-fundings-store.js';
import { encodeTransfer } from '../../chains/evm/erc20.js';
import {
  NATIVE_TRANSFER_GAS,
  earlyFundingKey,
  earlyFundingPrefix,
  earlyFundingAmount,
  gasLimitWithHeadroom,
} from '../../domain/collection/rules.js';
import { quoteFees, type FeeQuote } from '../../chains/evm/provider.js';
import { nativeCurrencyOf } from '../../domain/currencies.js';
import type { EvmContext, GasKeeperSettings } from '../../chains/evm/context.js';
import type { Logger } from '../../platform/log.js';
import { alertFundingsAboveLimit, alertKeeperShortfall } from './gas-keeper-shortfall.js';
import type { FundingRequest } from '../../workflows/collection/gas-keeper/messages.js';

export type { GasKeeperSettings };

export interface GasKeeperReport {
  address: string;
  /** Wei, decimal digits. */
  balance: string;
  /**
   * The chain's native currency as the catalog names it, for alerts to show wei in its scale (absent when the catalog
   * has none, and from reports recorded before it was added: those alerts show wei).
   */
  currency?: string;
  /** Wei the keeper's unmined transactions may still spend. */
  committed: string;
  checkedAt: string;
  openSends: number;
  low: boolean;
  /** Request IDs sent (or found already sent) in this tick. */
  sent: string[];
  /** Sweeps waiting for gas that this tick could not pay for (absent from reports recorded before it was added). */
  waiting?: FundingRequest[];
  settings: GasKeeperSettings;
}

export function createGasKeeperActivities(deps: { sql: Sql; log: Logger; evm: EvmContext; currencies: CurrencyCatalog }) {
  const { evm } = deps;

  /**
   * The queued requests (Updates) and every sweep waiting for gas in the database: sweeps that arrive together are
   * funded by one tick, in one batch. Those sent already are set apart (the workflow drops them from its queue).
   */
  const withWaitingSweeps = async (queue: FundingRequest[], fees: FeeQuote) => {
    const max = BigInt(evm.gasKeeperSettings.maxFunding);
    // the two reads are independent: together, the keeper's batch is signed a round trip sooner (its early fundings
    // must be mined within the block or so the deposits take to confirm)
    const [awaiting, early] = await Promise.all([sweepsAwaitingFunding(deps.sql, evm.chain), earlyFundings(fees)]);
    const requests = awaiting.flatMap((sweep) =>
      sweep.status === 'funding'
        ? [
            {
              requestId: fundingKey(sweep),
              to: sweep.address,
              amount: sweep.fundingAmount.toString(),
              notify: sweeperWorkflowId(evm.chain),
            },
          ]
        : [],
    );
    const aboveLimit = requests.filter((r) => BigInt(r.amount) > max);
    if (aboveLimit.length > 0) {
      deps.log.warn({ sweeps: aboveLimit.map((r) => r.requestId) }, 'gas funding above GAS_KEEPER_MAX_FUNDING');
      const native = nativeCurrencyOf(await deps.currencies.all(), 'evm');
      await alertFundingsAboveLimit(deps.sql, { chain: evm.chain, max, requests: aboveLimit, native });
    }
    const waiting = requests.filter((r) => BigInt(r.amount) <= max);
    const all = [...new Map([...queue, ...waiting, ...early].map((r) => [r.requestId, r])).values()];
    const sent = await sendsByKeys(
      deps.sql,
      evm.chain,
      all.map((r) => r.requestId),
    );
    return {
      toSend: all.filter((r) => !sent.has(r.requestId)),
      alreadySent: all.flatMap((r) => (sent.has(r.requestId) ? [r.requestId] : [])),
    };
  };

  /**
   * Gas for wallets whose token deposits are confirming, sent now so that their sweeps need none when credited: what
   * the token's transfer is estimated to cost at the tick's fees, with the sweeps' margin. A wallet is funded once per
   * need (the key names its first deposit; a wallet with an unclaimed early funding or an open token sweep is not
   * asked for), not while its confirming deposits are under the sweep minimum (they will not be swept yet: dust must
   * not cost us gas early), and not while no wallet's transfer of the token can be estimated.
   */
  const earlyFundings = async (fees: FeeQuote): Promise<FundingRequest[]> => {
    const wallets = await walletsToFundEarly(deps.sql, evm.chain);
    const max = BigInt(evm.gasKeeperSettings.maxFunding);
    const currencies = new Map((await deps.currencies.all()).map((c) => [c.code, c]));
    const worthSweeping = wallets.filter((w) => {
      const currency = currencies.get(w.currency);
      return currency !== undefined && w.confirming >= minimumOf(deps, currency);
    });
    // one estimate per token: a transfer of it costs about the same from every wallet, and a sweep that finds its
    // wallet short of gas at its own pricing asks for the rest (a burst's hundreds of estimates would each be a node
    // call, all within the block or so that the deposits take to confirm)
    const amounts = new Map<string, bigint | null>();
    for (const w of worthSweeping) {
      if (amounts.get(w.tokenContract)) continue;
      const data = encodeTransfer(evm.coldWallet, w.amount);
      const estimate = await evm.provider.estimateGas({ from: w.address, to: w.tokenContract, data }).catch((error) => {
        deps.log.info({ address: w.address, err: String(error) }, 'early gas funding: the token transfer cannot be estimated');
        return null;
      });
      const gas = estimate === null ? null : gasLimitWithHeadroom(estimate) * fees.maxFeePerGas;
      amounts.set(w.tokenContract, gas === null ? null : earlyFundingAmount(gas, evm.gasMarginPercent));
    }
    return worthSweeping.flatMap((w) => {
      const amount = amounts.get(w.tokenContract);
      if (!amount || amount > max) return [];
      const key = earlyFundingKey(evm.chain, w.address, w.firstDepositId);
      return [{ requestId: key, to: w.address, amount: amount.toString(), notify: sweeperWorkflowId(evm.chain) }];
    });
  };

  return {
    async gasKeeperTick(input: { chain: string; queue: FundingRequest[] }): Promise<GasKeeperReport> {
      const keeper = evm.gasKeeper;
      const address = keeper.address.toLowerCase();
      const open = await evm.sender.reconcile(keeper, { staleAfterMs: evm.resubmitAfterMs, bump: true });
      heartbeat();
      const [balance, fees, committedBefore, currencies] = await Promise.all([
        evm.provider.getBalance(keeper.address, 'latest'),
        quoteFees(evm.provider),
        committedByOpenSends(deps.sql, evm.chain, address),
        deps.currencies.all(),
      ]);
      let available = balance - committedBefore;

      const affordable: FundingRequest[] = [];
      const { toSend, alreadySent } = await withWaitingSweeps(input.queue, fees);
      const queued = new Set(input.queue.map((r) => r.requestId));
      const isEarly = (r: FundingRequest) => r.requestId.startsWith(earlyFundingPrefix(evm.chain));
      const costOf = (request: FundingRequest) => BigInt(request.amount) + NATIVE_TRANSFER_GAS * fees.maxFeePerGas;
      for (const request of toSend) {
        const cost = costOf(request);
        if (cost > available) continue;
        affordable.push(request);
        available -= cost;
      }
      if (affordable.length > 0) {
        await evm.sender.sendMany(
          keeper,
          affordable.map((r) => ({
            key: r.requestId,
            purpose: 'gas-funding',
            to: r.to,
            value: BigInt(r.amount),
            gasLimit: NATIVE_TRANSFER_GAS,
            fees,
            notify: [r.notify],
          })),
        );
        deps.log.info(
          { chain: evm.chain, count: affordable.length, waiting: toSend.length - affordable.length },
          'gas funding sent',
        );
      }
      const low = balance < BigInt(evm.gasKeeperSettings.minBalance);
      const waiting = toSend.filter((r) => !affordable.includes(r) && !queued.has(r.requestId) && !isEarly(r));
      if (!low && committedBefore === 0n) {
        await alertKeeperShortfall(deps.sql, {
          chain: evm.chain,
          address,
          available,
          unpaid: waiting.map((request) => ({ request, cost: costOf(request) })),
          native: nativeCurrencyOf(currencies, 'evm'),
        });
      }
      const committed = await committedByOpenSends(deps.sql, evm.chain, address);
      return {
        address,
        balance: balance.toString(),
        currency: nativeCurrencyOf(currencies, 'evm')?.code,
        committed: committed.toString(),
        checkedAt: new Date().toISOString(),
        openSends: open.length + affordable.length,
        low,
        sent: [...alreadySent, ...affordable.map((r) => r.requestId)],
        waiting,
        settings: evm.gasKeeperSettings,
      };
    },
  };
}
