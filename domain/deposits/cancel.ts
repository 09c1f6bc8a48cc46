/**
 * Whether a deposit can be cancelled. Sluice takes only on-chain deposits, and a transaction on chain cannot be called
 * back: there is nothing to cancel at any stage, so the answer is always no, with the reason for the deposit's stage
 * and what the user can do instead. (A fiat-style deposit announced before the money moves would be the one to
 * cancel; none exists yet.)
 */
import type { DepositStatus } from './credit.js';

export function whyNotCancellable(status: DepositStatus): string {
  switch (status) {
    case 'pending':
      return 'the deposit is on chain, awaiting confirmations: a chain transaction cannot be called back';
    case 'held':
      return (
        'the deposit is on chain and kept on its address (below the minimum, deposits off, or above the maximum): ' +
        'it is credited once the address holds enough or an operator credits it; then withdraw it'
      );
    case 'credited':
      return 'the deposit is credited to your balance: withdraw it to send it back';
    case 'dropped':
      return 'the deposit left the chain (a reorganisation) and was never credited: there is nothing to cancel';
  }
}
