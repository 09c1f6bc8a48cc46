/**
 * test/e2e: the full stack. The API and worker processes run on the shared Postgres (a database per stack), the
 * shared Temporal dev server (a namespace per stack) and anvil, and load the prebuilt workflow bundle.
 */
import { globalSetup } from '../services.js';

export default globalSetup(['postgres', 'temporal', 'anvil', 'workflowBundle']);
