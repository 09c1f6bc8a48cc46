/**
 * Recorded workflow histories (test/fixtures/histories) replayed against today's workflow code: a change that
 * would break running workflows fails here. Record new ones with RECORD_HISTORIES=1 on the workflow tests.
 */
import { readdir, readFile } from 'node:fs/promises';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/temporal.js';

const DIR = new URL('../fixtures/histories/', import.meta.url);

describe('workflow determinism', () => {
  it('replays every recorded history without a non-determinism error', async () => {
    const files = (await readdir(DIR)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: file.replace(/\.json$/, ''),
        history: JSON.parse(await readFile(new URL(file, DIR), 'utf8')),
      })),
    );
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
