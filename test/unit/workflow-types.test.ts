/**
 * Clients start workflows by the type name and signature their messages.ts declares, never loading workflow code;
 * this holds each pair to the bundle entry's real export, by name (here) and by signature (the typed assignments,
 * checked by tsc).
 */
import { describe, expect, it } from 'vitest';
import * as bundle from '../../workflows/index.js';
import { ledgerAuditWorkflowType, type LedgerAuditWorkflow } from '../../workflows/audit/messages.js';
import { betEventWorkflowType, type BetEventWorkflow } from '../../workflows/betting/messages.js';
import { evmCollectorWorkflowType, type EvmCollectorWorkflow } from '../../workflows/collection/collector/messages.js';
import { evmSweeperWorkflowType, type EvmSweeperWorkflow } from '../../workflows/collection/sweeper/messages.js';
import { gasKeeperWorkflowType, type GasKeeperWorkflow } from '../../workflows/collection/gas-keeper/messages.js';
import { evmDepositWorkflowType, type EvmDepositWorkflow } from '../../workflows/deposits/evm/messages.js';
import { xrplDepositWorkflowType, type XrplDepositWorkflow } from '../../workflows/deposits/xrpl/messages.js';
import { withdrawalWorkflowType, type WithdrawalWorkflow } from '../../workflows/withdrawals/messages.js';
import { xrplBackfillWorkflowType, type XrplBackfillWorkflow } from '../../workflows/xrpl-tracking/messages.js';
import { marketWorkflowType, type MarketWorkflow } from '../../workflows/exchange/market/messages.js';
import { triggerWorkflowType, type TriggerWorkflow } from '../../workflows/exchange/trigger/messages.js';
import { invoiceWorkflowType, type InvoiceWorkflow } from '../../workflows/invoices/messages.js';
import { ratesRefreshWorkflowType, type RatesRefreshWorkflow } from '../../workflows/rates/messages.js';
import { accountMailWorkflowType, type AccountMailWorkflow } from '../../workflows/users-auth/messages.js';
import { webhookDeliveryWorkflowType, type WebhookDeliveryWorkflow } from '../../workflows/webhooks/messages.js';
import { reportWorkflowType, type ReportWorkflow } from '../../workflows/reports/messages.js';
import { reconciliationWorkflowType, type ReconciliationWorkflow } from '../../workflows/reconciliation/messages.js';
import {
  notificationDeliveryWorkflowType,
  type NotificationDeliveryWorkflow,
} from '../../workflows/notifications/delivery/messages.js';
import { broadcastWorkflowType, type BroadcastWorkflow } from '../../workflows/notifications/broadcast/messages.js';

const declared: Array<[name: string, implementation: unknown]> = [
  [ledgerAuditWorkflowType, bundle.ledgerAuditWorkflow satisfies LedgerAuditWorkflow],
  [betEventWorkflowType, bundle.betEventWorkflow satisfies BetEventWorkflow],
  [evmCollectorWorkflowType, bundle.evmCollectorWorkflow satisfies EvmCollectorWorkflow],
  [evmSweeperWorkflowType, bundle.evmSweeperWorkflow satisfies EvmSweeperWorkflow],
  [gasKeeperWorkflowType, bundle.gasKeeperWorkflow satisfies GasKeeperWorkflow],
  [evmDepositWorkflowType, bundle.evmDepositWorkflow satisfies EvmDepositWorkflow],
  [xrplDepositWorkflowType, bundle.xrplDepositWorkflow satisfies XrplDepositWorkflow],
  [withdrawalWorkflowType, bundle.withdrawalWorkflow satisfies WithdrawalWorkflow],
  [xrplBackfillWorkflowType, bundle.xrplBackfillWorkflow satisfies XrplBackfillWorkflow],
  [marketWorkflowType, bundle.marketWorkflow satisfies MarketWorkflow],
  [triggerWorkflowType, bundle.triggerOrderWorkflow satisfies TriggerWorkflow],
  [invoiceWorkflowType, bundle.invoiceWorkflow satisfies InvoiceWorkflow],
  [ratesRefreshWorkflowType, bundle.ratesRefreshWorkflow satisfies RatesRefreshWorkflow],
  [accountMailWorkflowType, bundle.accountMailWorkflow satisfies AccountMailWorkflow],
  [webhookDeliveryWorkflowType, bundle.webhookDeliveryWorkflow satisfies WebhookDeliveryWorkflow],
  [reportWorkflowType, bundle.reportWorkflow satisfies ReportWorkflow],
  [reconciliationWorkflowType, bundle.reconciliationWorkflow satisfies ReconciliationWorkflow],
  [notificationDeliveryWorkflowType, bundle.notificationDeliveryWorkflow satisfies NotificationDeliveryWorkflow],
  [broadcastWorkflowType, bundle.broadcastWorkflow satisfies BroadcastWorkflow],
];

describe('workflow type names in messages.ts', () => {
  it.each(declared)('%s is what the bundle exports under that name', (name, implementation) => {
    expect((bundle as Record<string, unknown>)[name]).toBe(implementation);
  });

  it('covers every workflow the bundle exports', () => {
    expect(declared.map(([name]) => name).sort()).toEqual(Object.keys(bundle).sort());
  });
});
