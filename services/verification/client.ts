/** KYC's way in for other features: the operator's override of a user's verification (the console's users page). */
export { setVerificationByOperator } from './service.js';
export { VERIFICATION_STATUSES, type VerificationStatus } from './store.js';
