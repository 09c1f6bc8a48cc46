/**
 * test/integration: a database per file (Postgres template), the shared anvil (evm-new-heads) and the Temporal dev
 * server (bet-event-start drives the store-then-start outbox against it; no worker runs, so no bundle). The
 * in-process API app's Temporal connection is lazy; evm-sender starts its own anvil, the XRPL tests a rippled double
 * of their own.
 */
import { globalSetup } from '../services.js';

export default globalSetup(['postgres', 'temporal', 'anvil']);
