/**
 * test/workflows: the workflow bundle and a database per file. Each file starts its own Temporal (the time-skipping
 * test server, or a dev server of its own for continue-as-new), so the shared dev server is not needed.
 */
import { globalSetup } from '../services.js';

export default globalSetup(['postgres', 'workflowBundle']);
