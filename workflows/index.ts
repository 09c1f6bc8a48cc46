/** Every workflow the worker runs; the bundle is built from this file. */
export { ledgerAuditWorkflow } from './ledger-audit.js';
export { withdrawalWorkflow } from './withdrawal.js';
export { xrplBackfillWorkflow } from './xrpl-backfill.js';
export { xrplDepositWorkflow } from './xrpl-deposit.js';
export { evmDepositWorkflow } from './evm-deposit.js';
export { evmCollectorWorkflow } from './evm-collector.js';
export { gasKeeperWorkflow } from './gas-keeper.js';
export { betEventWorkflow } from './bet-event.js';
