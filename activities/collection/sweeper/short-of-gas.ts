/**
 * A sweep whose stored transaction can no longer be mined: it is the wallet's next and the wallet cannot pay its gas
 * (what it was priced against was taken since, as by a native sweep sent just before a token sweep was priced, which
 * the lanes and the pricing now rule out). Its stored transaction is the only one ever sent for its nonce, so it is not
 * replaced: a token sweep the keeper has not funded yet asks it for what the wallet lacks and waits for gas again
 * (held: broadcast as stored once that funding is mined); any other raises an operator alert and fails its step, which
 * shows the sweeper `failing` until the wallet is topped up and the stored transaction goes through.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Send } from '../../../chains/evm/sends-store.js';
import type { Sweep } from '../../../services/collection/sweeps-store.js';
import { raiseAlert } from '../../../services/notifications/client.js';
import { gasFundingNeeded, maxTransactionCost } from '../../../domain/collection/rules.js';
import { ErrorCode } from '../../../domain/errors.js';
import { formatAmount } from '../../../domain/money.js';
import { evmCurrencies, type SweepDeps } from './context.js';
import { fundingKey } from './gas-funding.js';

/**
 * What the node says of the sweep's pending transaction: whether it is the wallet's next (every earlier one mined) and
 * the wallet holds less than the most it can cost; null when it can still be mined (or an earlier send goes first).
 */
async function shortfallOf({ evm }: SweepDeps, send: Send): Promise<{ cost: bigint; balance: bigint } | null> {
  const [mined, balance] = await Promise.all([
    evm.provider.getTransactionCount(send.from, 'latest'),
    evm.provider.getBalance(send.from, 'latest'),
  ]);
  const last = send.attempts[send.attempts.length - 1]!;
  const cost = send.value + maxTransactionCost(send.gasLimit, last.maxFeePerGas);
  return BigInt(mined) === send.nonce && balance < cost ? { cost, balance } : null;
}

/**
 * Whether the sweep, its transaction `send` stored and not mined, now waits for gas from the keeper because its wallet
 * cannot pay for that transaction (false: it can, or an earlier send goes first). Short of gas and not fundable again,
 * it raises an operator alert (once per sweep) and throws a non-retryable failure.
 */
export async function waitsForGasAgain(deps: SweepDeps, sweep: Sweep, send: Send): Promise<boolean> {
  const short = await shortfallOf(deps, send);
  if (!short) return false;
  const [funded, early] = await Promise.all([
    deps.reads.send(fundingKey(sweep)),
    sweep.earlyFundingKey ? deps.reads.send(sweep.earlyFundingKey) : undefined,
  ]);
  // its gas not in a block yet (a funding reorged out, which the keeper sends again) is on its way
  if (funded?.status === 'pending' || early?.status === 'pending') return false;
  const lacking = short.cost - short.balance;
  // the keeper funds a sweep once, under its funding key: a token sweep that claimed an early funding or needed none
  if (sweep.tokenContract !== null && !funded) {
    const fundingAmount = gasFundingNeeded(short.cost, deps.evm.gasMarginPercent, short.balance);
    await deps.writes.update(sweep.id, { status: 'funding', fundingAmount });
    deps.log.warn(
      { sweep: sweep.id, address: sweep.address, lacking: lacking.toString() },
      'sweeper: a sent sweep cannot pay its gas; the gas keeper is asked for it',
    );
    return true;
  }
  const { native } = await evmCurrencies(deps);
  await raiseAlert(deps.sql, {
    eventId: `sweep:${sweep.chain}:${sweep.id}:short-of-gas`,
    type: 'other',
    kind: 'evm_sweep_short_of_gas',
    severity: 'critical',
    title: `Sweep ${sweep.id} of ${sweep.currency} from ${sweep.address} cannot pay its gas`,
    data: {
      sweep_id: sweep.id,
      address: sweep.address,
      currency: sweep.currency,
      tx_hash: send.attempts[send.attempts.length - 1]!.txHash,
      // gas is paid in the native currency, whatever the sweep's currency
      lacking: formatAmount(lacking, native.scale),
      gas_currency: native.code,
    },
  });
  throw ApplicationFailure.nonRetryable(
    `the transaction of sweep ${sweep.id} cannot be mined: ${sweep.address} lacks ${lacking} wei of gas for it (top it up)`,
    ErrorCode.InsufficientFunds,
  );
}
