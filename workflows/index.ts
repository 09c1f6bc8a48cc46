/** Every workflow the worker runs; the bundle is built from this file. */
export { ledgerAuditWorkflow } from './audit/workflow.js';
export { withdrawalWorkflow } from './withdrawals/workflow.js';
export { xrplBackfillWorkflow } from './xrpl-tracking/workflow.js';
export { xrplDepositWorkflow } from './deposits/xrpl/workflow.js';
export { evmDepositWorkflow } from './deposits/evm/workflow.js';
export { evmSweeperWorkflow } from './collection/sweeper/workflow.js';
/** Retired: registered while collectors started before the sweeper may run (see its file). */
export { evmCollectorWorkflow } from './collection/collector/workflow.js';
export { gasKeeperWorkflow } from './collection/gas-keeper/workflow.js';
export { betEventWorkflow } from './betting/workflow.js';
export { marketWorkflow } from './exchange/market/workflow.js';
export { triggerOrderWorkflow } from './exchange/trigger/workflow.js';
export { invoiceWorkflow } from './invoices/workflow.js';
export { ratesRefreshWorkflow } from './rates/workflow.js';
export { webhookDeliveryWorkflow } from './webhooks/workflow.js';
export { reportWorkflow } from './reports/workflow.js';
export { reconciliationWorkflow } from './reconciliation/workflow.js';
export { notificationDeliveryWorkflow } from './notifications/delivery/workflow.js';
export { broadcastWorkflow } from './notifications/broadcast/workflow.js';
export { accountMailWorkflow } from './users-auth/workflow.js';
