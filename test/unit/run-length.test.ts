/**
 * When a run is long (run-length.ts), against a stand-in for the workflow's info and patches: by the server's
 * suggestion, by events and by bytes; and, for a workflow bounded behind a patch, only past the bound and asking the
 * patch only then (a run recorded before the patch continues at the server's suggestion only).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const workflow = vi.hoisted(() => ({
  info: { continueAsNewSuggested: false, historyLength: 10, historySize: 1_000 },
  patched: true,
  asked: [] as string[],
}));
vi.mock('@temporalio/workflow', () => ({
  workflowInfo: () => workflow.info,
  patched: (id: string) => {
    workflow.asked.push(id);
    return workflow.patched;
  },
}));

const { RUN_HISTORY_BYTES, RUN_HISTORY_LIMIT, runIsLong, runIsLongSince } = await import('../../platform/temporal/run-length.js');

beforeEach(() => {
  workflow.info = { continueAsNewSuggested: false, historyLength: 10, historySize: 1_000 };
  workflow.patched = true;
  workflow.asked = [];
});

describe('runIsLong', () => {
  it('is long at the server suggestion, at the event limit or at the byte limit', () => {
    expect(runIsLong()).toBe(false);
    workflow.info.historyLength = RUN_HISTORY_LIMIT;
    expect(runIsLong()).toBe(true);
    expect(runIsLong(RUN_HISTORY_LIMIT + 1)).toBe(false);
    workflow.info.historySize = RUN_HISTORY_BYTES;
    expect(runIsLong(RUN_HISTORY_LIMIT + 1)).toBe(true);
    workflow.info = { continueAsNewSuggested: true, historyLength: 10, historySize: 1_000 };
    expect(runIsLong()).toBe(true);
  });
});

describe('runIsLongSince', () => {
  it('asks its patch only once the run is long', () => {
    expect(runIsLongSince('market-continues-as-new-bounded', 40)).toBe(false);
    expect(workflow.asked).toEqual([]);
    workflow.info.historyLength = 40;
    expect(runIsLongSince('market-continues-as-new-bounded', 40)).toBe(true);
    expect(workflow.asked).toEqual(['market-continues-as-new-bounded']);
  });

  it('continues a run recorded before its patch at the server suggestion only', () => {
    workflow.patched = false;
    workflow.info.historyLength = 40;
    expect(runIsLongSince('market-continues-as-new-bounded', 40)).toBe(false);
    workflow.info.continueAsNewSuggested = true;
    expect(runIsLongSince('market-continues-as-new-bounded', 40)).toBe(true);
  });
});
