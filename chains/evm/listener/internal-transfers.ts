/**
 * Ether a transaction's inner calls moved, read from the node's call trace (geth's `callTracer`): what a smart-account
 * wallet (a Safe), an exchange's batch payout contract or a constructor passing its value on pays out. Such a payment
 * is in no transaction's `to`/`value` and emits no log, so the block alone never shows it.
 */

/** One frame of a `callTracer` result: a call, creation or self-destruct, with the frames it made. */
export interface CallFrame {
  type: string;
  from: string;
  to?: string;
  /** Hex wei; absent for calls that carry none (DELEGATECALL, STATICCALL). */
  value?: string;
  /** Set when the frame failed (reverted, out of gas): its effects and those of every frame below it are undone. */
  error?: string;
  calls?: CallFrame[];
}

export interface InternalTransfer {
  /** The frame's position in the transaction's trace, in call order: the transaction's own call is 0. */
  position: number;
  from: string;
  to: string;
  value: bigint;
}

/**
 * Frames that move ether to their `to`: a CALL, and a SELFDESTRUCT to its beneficiary. A CALLCODE runs another
 * contract's code on the caller's own balance (nothing moves), DELEGATECALL and STATICCALL carry no value, and a
 * CREATE's goes to the new contract, never an address of ours.
 */
const MOVES_VALUE = new Set(['CALL', 'SELFDESTRUCT']);

/**
 * The value-carrying frames below the transaction's own call (depth ≥ 1: the transaction's own value is the block's
 * top-level transfer, read from the block) that took effect: neither the frame nor any frame above it failed.
 */
export function internalTransfers(root: CallFrame): InternalTransfer[] {
  const found: InternalTransfer[] = [];
  let position = 0;
  const walk = (frame: CallFrame, depth: number, undone: boolean): void => {
    const at = position++;
    const failed = undone || frame.error !== undefined;
    const value = frame.value ? BigInt(frame.value) : 0n;
    if (depth >= 1 && !failed && value > 0n && frame.to && MOVES_VALUE.has(frame.type.toUpperCase())) {
      found.push({ position: at, from: frame.from.toLowerCase(), to: frame.to.toLowerCase(), value });
    }
    for (const call of frame.calls ?? []) walk(call, depth + 1, failed);
  };
  walk(root, 0, false);
  return found;
}

/**
 * An internal transfer's event index in the deposit's key (chain, tx, index): past any log index (a block's logs
 * number far fewer than a billion: each costs at least 375 gas), so it never meets a token transfer's in the same
 * transaction, and within PostgreSQL's integer. The top-level transfer keeps index 0.
 */
export const INTERNAL_TRANSFER_INDEX = 1_000_000_000;

export const internalTransferIndex = (position: number): number => INTERNAL_TRANSFER_INDEX + position;
