/**
 * Separation of duties: an operator's decision about their own account (crediting it, approving or closing their own
 * withdrawal, crediting their held deposit, marking their invoice, vouching for their own email or identity) is another
 * operator's to make, as an admin's own role, disabling and two-factor reset are another admin's. Refused as
 * forbidden, naming the field that points at the operator.
 */
import { DomainError, ErrorCode } from '../errors.js';

export function refuseOwnAccount(operatorId: string, accountOwnerId: string, field: string, what: string): void {
  if (operatorId !== accountOwnerId) return;
  throw new DomainError(ErrorCode.Forbidden, `${what} is another operator's decision when the account is your own`, [
    { path: field, message: 'is your own account' },
  ]);
}
