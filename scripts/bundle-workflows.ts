/** Bundles workflows/ once (Docker image build), so workers start without webpack: WORKFLOW_BUNDLE_PATH points here. */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';

const out = process.argv[2] ?? 'dist/workflow-bundle.js';
const { code } = await bundleWorkflowCode({ workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname });
await writeFile(out, code);
console.log(`wrote ${out}`);
