import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, required, workerTuning } from '../../platform/config.js';

describe('configuration', () => {
  it('fills defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      TEMPORAL_NAMESPACE: 'default',
      SLUICE_ENV: 'production',
      XRPL_URL: 'wss://xrplcluster.com',
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('stops on a bad value with a message naming the variable and the value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: .*\(got "eighty"\)/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a URL \(postgres: or postgresql:\)/);
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'localhost' })).toThrow(/TEMPORAL_ADDRESS: must be host:port/);
    expect(() => loadConfig({ SECRET_KEY: 'short' })).toThrow(/SECRET_KEY: must have at least 32 characters/);
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY/);
  });

  it("refuses the XRP hot wallet's own address as the deposit account, without printing the seed", () => {
    const seed = 'sEd7WqLPvhvSQQNVqdADmyMFwRseFQZ'; // a generated test seed; its address below
    const same = () => loadConfig({ XRPL_HOT_WALLET_SEED: seed, XRPL_DEPOSIT_ADDRESS: 'rJo468i32MKh8kMJ1TUwu1xvPXT5VJGGqC' });
    expect(same).toThrow(/XRPL_DEPOSIT_ADDRESS: must not be the XRP hot wallet's address/);
    expect(same).not.toThrow(new RegExp(seed));
    const other = loadConfig({ XRPL_HOT_WALLET_SEED: seed, XRPL_DEPOSIT_ADDRESS: 'rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe' });
    expect(other.XRPL_DEPOSIT_ADDRESS).toBe('rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe');
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: '0', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT: Too small/);
      expect((error as Error).message).toMatch(/LOG_LEVEL: Invalid option/);
    }
  });

  it('ignores empty values, as an unset variable', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(8080);
  });

  it('says which setting a process cannot run without', () => {
    expect(() => required(loadConfig({}), 'DATABASE_URL')).toThrow(/DATABASE_URL: is required/);
    expect(required(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }), 'DATABASE_URL')).toBe('postgres://u@h/db');
  });

  it("gives the worker's replays of uncached workflows the few slots its workflow thread finishes in time", () => {
    const slots = (env: NodeJS.ProcessEnv) => workerTuning(loadConfig(env)).tuner.workflowTaskSlotSupplier;
    expect(slots({})).toMatchObject({ total: 300, replays: 2 });
    expect(slots({ WORKER_REPLAY_TASK_SLOTS: '20' })).toMatchObject({ total: 300, replays: 20 });
    expect(slots({ WORKER_WORKFLOW_TASK_SLOTS: '4', WORKER_REPLAY_TASK_SLOTS: '20' })).toMatchObject({ total: 4, replays: 4 });
    expect(slots({})).not.toBe(slots({})); // each worker counts its own
  });
});
