/**
 * test/integration: a database per file (Postgres template) and the shared anvil (evm-new-heads). The in-process API
 * app's Temporal connection is lazy and none of these tests reaches a route that uses it; evm-sender starts its own
 * anvil, the XRPL tests a rippled double of their own.
 */
import { globalSetup } from '../services.js';

export default globalSetup(['postgres', 'anvil']);
