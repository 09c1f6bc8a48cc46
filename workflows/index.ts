/** Every workflow the worker runs; the bundle is built from this file. */
export { ledgerAuditWorkflow } from './ledger-audit.js';
export { betEventWorkflow } from './bet-event.js';
