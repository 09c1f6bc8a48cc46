/**
 * The collector's steps, each idempotent on the sweep's record: plan what a wallet should sweep, estimate and ask
 * for gas, send the sweep through the sender (stored before broadcast), and record it in the ledger once confirmed.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { isError } from 'ethers';
import type { Sql } from '../../platform/db/client.js';
import type { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { depositAddressByAddress } from '../../services/deposits/evm-addresses-store.js';
import { sendById, type Send } from '../../chains/evm/sends-store.js';
import {
  openSweep,
  openSweepsOf,
  sweepById,
  updateSweep,
  walletHoldings,
  type Sweep,
} from '../../services/collection/sweeps-store.js';
import { commitGroups } from '../../services/ledger/journal.js';
import { notify } from '../../services/notifications/store.js';
import { encodeTransfer } from '../../chains/evm/erc20.js';
import { quoteFees } from '../../chains/evm/provider.js';
import {
  gasFundingNeeded,
  gasLimitWithHeadroom,
  NATIVE_TRANSFER_GAS,
  nativeSweepValue,
  sweepLedgerTransfers,
} from '../../domain/collection/rules.js';
import { collectorWorkflowId } from '../../workflows/collection/collector/messages.js';
import { gasKeeperWorkflowId } from '../../workflows/collection/gas-keeper/messages.js';
import type { Currency } from '../../domain/currencies.js';
import { ErrorCode } from '../../domain/errors.js';
import { parseAmount } from '../../domain/money.js';
import type { EvmContext } from '../../chains/evm/context.js';
import type { Logger } from '../../platform/log.js';
import { gasKeeperWorkflow } from '../../workflows/collection/gas-keeper/workflow.js';
import { fundGasUpdate } from '../../workflows/collection/gas-keeper/messages.js';
import { Chain, SluiceKind } from '../../platform/temporal/search-attributes.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';

export interface CollectorDeps {
  sql: Sql;
  log: Logger;
  temporal: TemporalTarget;
  evm: EvmContext;
  currencies: CurrencyCatalog;
}

const fundingKey = (s: Sweep) => `sweep:${s.chain}:${s.id}:funding`;
const transferKey = (s: Sweep) => `sweep:${s.chain}:${s.id}:transfer`;
const gasOf = (send: Send) => (send.gasUsed ?? 0n) * (send.effectiveGasPrice ?? 0n);

export function createEvmCollectorActivities(deps: CollectorDeps) {
  const { sql, evm } = deps;

  async function evmCurrencies(): Promise<{ native: Currency; tokens: Currency[] }> {
    const all = (await deps.currencies.all()).filter((c) => c.network === 'evm' && c.enabled);
    const native = all.find((c) => c.tokenContract === null);
    if (!native) throw ApplicationFailure.nonRetryable('no native currency on the EVM network', ErrorCode.NotFound);
    return { native, tokens: all.filter((c) => c.tokenContract !== null).sort((a, b) => a.code.localeCompare(b.code)) };
  }

  function minimumOf(currency: Currency): bigint {
    const parsed = parseAmount(evm.sweepMinimums.get(currency.code) ?? '0', currency.scale, { allowZero: true });
    return parsed.ok ? parsed.value : 0n;
  }

  async function loadSweep(id: string): Promise<Sweep> {
    const sweep = await sweepById(sql, id);
    if (!sweep) throw ApplicationFailure.nonRetryable(`no sweep ${id}`, ErrorCode.NotFound);
    return sweep;
  }

  /** The deposit wallet's key, checked against the stored address (a wrong seed must never sign). */
  async function depositWallet(address: string) {
    const row = await depositAddressByAddress(sql, address);
    if (!row) throw ApplicationFailure.nonRetryable(`${address} is not a deposit address`, ErrorCode.NotFound);
    const wallet = evm.depositWallets.walletAt(row.hdIndex);
    if (wallet.address.toLowerCase() !== row.address) {
      throw ApplicationFailure.nonRetryable(
        `EVM_DEPOSIT_MNEMONIC does not derive ${row.address} at index ${row.hdIndex}`,
        ErrorCode.Conflict,
      );
    }
    return wallet;
  }

  /** The newest block the listener has recorded: balances read there agree with the recorded deposits. */
  async function recordedHead(address: string) {
    const holdings = await walletHoldings(sql, evm.chain, address);
    if (!holdings.checkpoint) throw ApplicationFailure.retryable('the EVM listener has not recorded a block yet');
    return holdings;
  }

  /** What a native sweep of the wallet would send now (null when not worth it or not safe to compute yet). */
  async function nativeSweepQuote(address: string, native: Currency) {
    const holdings = await recordedHead(address);
    const uncollected = holdings.uncollected.get(native.code);
    // an ETH deposit still confirming would be swept without being recorded as collected; its workflow wakes us
    if (!uncollected || holdings.inFlight.has(native.code)) return null;
    const at = holdings.checkpoint!.blockNumber;
    const [balance, fees] = await Promise.all([evm.provider.getBalance(address, at), quoteFees(evm.provider)]);
    const value = nativeSweepValue(balance, NATIVE_TRANSFER_GAS, fees.maxFeePerGas);
    if (value === null || value < minimumOf(native)) return null;
    return { value, fees, depositIds: uncollected.depositIds, at };
  }

  return {
    /** Opens a sweep for each currency the wallet holds enough of (tokens first); returns the open sweeps to run. */
    async planSweeps(wallet: { chain: string; address: string }): Promise<Array<{ id: string; currency: string }>> {
      if (wallet.chain !== evm.chain)
        throw ApplicationFailure.nonRetryable(`this worker collects on ${evm.chain}, not ${wallet.chain}`, ErrorCode.Conflict);
      const { native, tokens } = await evmCurrencies();
      const sweeps = await openSweepsOf(sql, evm.chain, wallet.address);
      const open = new Set(sweeps.map((s) => s.currency));
      const holdings = await walletHoldings(sql, evm.chain, wallet.address);
      for (const token of tokens) {
        const uncollected = holdings.uncollected.get(token.code);
        if (open.has(token.code) || !uncollected || uncollected.total < minimumOf(token)) continue;
        sweeps.push(
          await openSweep(sql, {
            chain: evm.chain,
            address: wallet.address,
            currency: token.code,
            tokenContract: token.tokenContract!.toLowerCase(),
            depositIds: uncollected.depositIds,
            amount: uncollected.total,
          }),
        );
      }
      if (!open.has(native.code) && (await nativeSweepQuote(wallet.address, native))) {
        sweeps.push(
          await openSweep(sql, {
            chain: evm.chain,
            address: wallet.address,
            currency: native.code,
            tokenContract: null,
            depositIds: [],
            amount: null,
          }),
        );
      }
      // the native sweep goes last: it takes whatever gas the token sweeps left behind
      return sweeps
        .sort((a, b) => Number(a.tokenContract === null) - Number(b.tokenContract === null))
        .map((s) => ({ id: s.id, currency: s.currency }));
    },

    /** Token sweeps: the gas the transfer needs, and how much of it the gas keeper must send first. */
    async prepareSweep(id: string): Promise<{ status: Sweep['status']; needsFunding: boolean }> {
      let sweep = await loadSweep(id);
      if (sweep.status === 'planned' && sweep.tokenContract === null) {
        sweep = await updateSweep(sql, id, { status: 'sending' });
      } else if (sweep.status === 'planned') {
        const data = encodeTransfer(evm.coldWallet, sweep.amount!);
        let estimate: bigint;
        try {
          estimate = await evm.provider.estimateGas({ from: sweep.address, to: sweep.tokenContract, data });
        } catch (error) {
          if (isError(error, 'CALL_EXCEPTION')) {
            throw ApplicationFailure.nonRetryable(
              `the token transfer of sweep ${id} would revert: does the wallet hold ${sweep.amount}?`,
              ErrorCode.Conflict,
            );
          }
          throw error;
        }
        const gasLimit = gasLimitWithHeadroom(estimate);
        const fees = await quoteFees(evm.provider);
        const holdings = await recordedHead(sweep.address);
        const confirmedBlock = holdings.checkpoint!.blockNumber - BigInt(evm.confirmations) + 1n;
        const balance = await evm.provider.getBalance(sweep.address, confirmedBlock > 0n ? confirmedBlock : 0n);
        const funding = gasFundingNeeded(gasLimit * fees.maxFeePerGas, evm.gasMarginPercent, balance);
        sweep = await updateSweep(sql, id, {
          gasLimit,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          fundingAmount: funding,
          status: funding > 0n ? 'funding' : 'sending',
        });
      }
      return { status: sweep.status, needsFunding: sweep.status === 'funding' };
    },

    /** Asks the gas keeper (started if it is not running) for the sweep's gas; asking again changes nothing. */
    async requestGasFunding(id: string): Promise<void> {
      const sweep = await loadSweep(id);
      if (sweep.status !== 'funding') return;
      const workflowId = gasKeeperWorkflowId(evm.chain);
      await deps.temporal.client.workflow.executeUpdateWithStart(fundGasUpdate, {
        args: [
          {
            requestId: fundingKey(sweep),
            to: sweep.address,
            amount: sweep.fundingAmount!.toString(),
            notify: collectorWorkflowId(evm.chain, sweep.address),
          },
        ],
        updateId: fundingKey(sweep),
        startWorkflowOperation: new WithStartWorkflowOperation(gasKeeperWorkflow, {
          workflowId,
          taskQueue: deps.temporal.taskQueue,
          args: [{ chain: evm.chain, settings: evm.gasKeeperSettings }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [
            { key: SluiceKind, value: 'gas-keeper' },
            { key: Chain, value: evm.chain },
          ],
        }),
      });
    },

    /** queued (the keeper has not sent it: e.g. waiting for a top-up), sent, or confirmed. */
    async gasFundingState(id: string): Promise<'queued' | 'sent' | 'confirmed'> {
      const sweep = await loadSweep(id);
      if (sweep.status !== 'funding') return 'confirmed';
      const state = await evm.sender.stateOf(fundingKey(sweep));
      if (!state) return 'queued';
      if (!state.confirmed) {
        if (!sweep.fundingSendId) await updateSweep(sql, id, { fundingSendId: state.send.id });
        return 'sent';
      }
      await updateSweep(sql, id, { fundingSendId: state.send.id, fundingGas: gasOf(state.send), status: 'sending' });
      return 'confirmed';
    },

    /** Signs, stores and broadcasts the sweep (or rebroadcasts the stored one). */
    async sendSweep(id: string): Promise<{ status: 'sent' | 'cancelled' }> {
      let sweep = await loadSweep(id);
      if (sweep.status === 'cancelled') return { status: 'cancelled' };
      if (sweep.status === 'confirmed' || sweep.status === 'failed') return { status: 'sent' };
      if (sweep.status !== 'sending' && sweep.status !== 'sent')
        throw ApplicationFailure.nonRetryable(`sweep ${id} is ${sweep.status}, not ready to send`, ErrorCode.Conflict);
      const wallet = await depositWallet(sweep.address);
      const notifyCollector = [collectorWorkflowId(evm.chain, sweep.address)];
      let send: Send;
      if (sweep.tokenContract !== null) {
        send = await evm.sender.send(wallet, {
          key: transferKey(sweep),
          purpose: 'sweep',
          to: sweep.tokenContract,
          value: 0n,
          data: encodeTransfer(evm.coldWallet, sweep.amount!),
          gasLimit: sweep.gasLimit!,
          fees: { maxFeePerGas: sweep.maxFeePerGas!, maxPriorityFeePerGas: sweep.maxPriorityFeePerGas! },
          notify: notifyCollector,
        });
      } else {
        const stored = await evm.sender.stateOf(transferKey(sweep));
        if (!stored) {
          // the balance is read where the listener has recorded everything: our own last send must be behind it
          const holdings = await recordedHead(sweep.address);
          const [lastOwn] =
            await sql`select max(block_number) as block from evm_sends where chain = ${evm.chain} and from_address = ${sweep.address}`;
          if (lastOwn?.block && BigInt(lastOwn.block as string) > holdings.checkpoint!.blockNumber) {
            throw ApplicationFailure.retryable("the listener has not recorded the wallet's last transaction yet");
          }
          const quote = await nativeSweepQuote(sweep.address, (await evmCurrencies()).native);
          if (!quote) {
            await updateSweep(sql, id, { status: 'cancelled' });
            return { status: 'cancelled' };
          }
          sweep = await updateSweep(sql, id, {
            depositIds: quote.depositIds,
            amount: quote.value,
            gasLimit: NATIVE_TRANSFER_GAS,
            maxFeePerGas: quote.fees.maxFeePerGas,
            maxPriorityFeePerGas: quote.fees.maxPriorityFeePerGas,
          });
        }
        send = await evm.sender.send(wallet, {
          key: transferKey(sweep),
          purpose: 'sweep',
          to: evm.coldWallet,
          value: sweep.amount!,
          gasLimit: sweep.gasLimit!,
          fees: { maxFeePerGas: sweep.maxFeePerGas!, maxPriorityFeePerGas: sweep.maxPriorityFeePerGas! },
          notify: notifyCollector,
        });
      }
      if (sweep.status !== 'sent') await updateSweep(sql, id, { status: 'sent', sweepSendId: send.id });
      return { status: 'sent' };
    },

    /** Whether the sweep is final; one a node seems to have lost is broadcast again (same transaction). */
    async sweepConfirmed(id: string): Promise<boolean> {
      const sweep = await loadSweep(id);
      if (sweep.status === 'confirmed' || sweep.status === 'failed') return true;
      const state = await evm.sender.stateOf(transferKey(sweep));
      if (state?.confirmed) return true;
      if (state?.send.status === 'pending') {
        await evm.sender.reconcile(await depositWallet(sweep.address), { staleAfterMs: evm.resubmitAfterMs, bump: false });
      }
      return false;
    },

    /** Books a confirmed sweep: cold and hot custody, the gas funding and every fee, and which deposits it collected. */
    async recordSweep(id: string): Promise<void> {
      const sweep = await loadSweep(id);
      if (sweep.status === 'confirmed' || sweep.status === 'failed') return;
      const state = await evm.sender.stateOf(transferKey(sweep));
      if (!state?.confirmed) throw ApplicationFailure.retryable(`sweep ${id} is not confirmed yet`);
      const funding = sweep.fundingSendId ? await sendById(sql, sweep.fundingSendId) : null;
      const succeeded = state.send.succeeded === true;
      const { native } = await evmCurrencies();
      const transfers = sweepLedgerTransfers({
        sweepId: sweep.id,
        chain: sweep.chain,
        currency: sweep.currency,
        nativeCurrency: native.code,
        amount: succeeded ? sweep.amount! : 0n,
        sweepGas: gasOf(state.send),
        funding: funding ? { amount: funding.value, gas: gasOf(funding) } : null,
        depositIds: sweep.depositIds,
        txHash: state.send.minedHash!,
      });
      await sql.begin(async (tx) => {
        const [outcome] = await commitGroups(tx, [{ transfers }]);
        if (!outcome!.ok)
          throw ApplicationFailure.nonRetryable(`the ledger refused sweep ${id}: ${outcome!.error.message}`, outcome!.error.code);
        await updateSweep(tx, id, {
          status: succeeded ? 'confirmed' : 'failed',
          gasSpent: gasOf(state.send),
          sweepSendId: state.send.id,
        });
        if (succeeded) {
          await tx`update evm_deposit_observations set collected_by = ${id} where deposit_id = any(${tx.array(sweep.depositIds)}::bigint[])`;
        } else {
          await notify(tx, {
            key: `sweep:${sweep.chain}:${sweep.id}:failed`,
            userId: null,
            kind: 'evm_sweep_failed',
            severity: 'critical',
            title: `Sweep ${sweep.id} of ${sweep.currency} from ${sweep.address} failed on chain`,
            body: { sweep_id: sweep.id, tx_hash: state.send.minedHash, address: sweep.address, currency: sweep.currency },
          });
        }
      });
      deps.log.info(
        { sweep: id, currency: sweep.currency, amount: sweep.amount?.toString(), succeeded, tx: state.send.minedHash },
        'sweep recorded',
      );
    },
  };
}
