/**
 * A sweep whose try fails with a failure that passes by itself (a node or the listener behind) is tried again every
 * tick; one that never passes raises a critical alert naming the sweep, once, after eight tries in a row over two
 * minutes. A try that succeeds clears the count, and a failure that does not pass by itself is not counted here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILING_FOR_MS, TRIES_BEFORE_ALERT, noteSweepFailure } from '../../activities/collection/sweeper/failing.js';
import { clearSweepError, sweepsByIds, type Sweep } from '../../services/collection/sweeps-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

let wallets = 0;
async function openSweep(): Promise<Sweep> {
  const address = `0x${(++wallets).toString(16).padStart(40, '0')}`;
  const [row] = await db.sql`
    insert into evm_sweeps (chain, address, currency, status) values ('evm-31337', ${address}, 'ETH', 'planned') returning id`;
  return (await sweepsByIds(db.sql, [String(row!.id)])).get(String(row!.id))!;
}

const alertsOf = (sweep: Sweep) =>
  db.sql`select kind, severity, title from notifications where key = ${`sweep:evm-31337:${sweep.id}:failing`}`;

/** The sweep failing since longer ago than the alert waits for. */
const failingLong = (sweep: Sweep) =>
  db.sql`update evm_sweeps set failing_since = now() - ${`${FAILING_FOR_MS + 1_000} milliseconds`}::interval where id = ${sweep.id}`;

const failTimes = async (sweep: Sweep, times: number, transient = true) => {
  for (let i = 0; i < times; i++) await noteSweepFailure(db.sql, sweep, 'the EVM node did not answer', transient);
};

describe('a sweep whose failure does not pass', () => {
  it('alerts operators once, after eight tries in a row over two minutes', async () => {
    const sweep = await openSweep();
    await failTimes(sweep, TRIES_BEFORE_ALERT - 1);
    await failingLong(sweep);
    expect(await alertsOf(sweep)).toEqual([]);
    await failTimes(sweep, 1);
    expect(await alertsOf(sweep)).toEqual([
      {
        kind: 'evm_sweep_failing',
        severity: 'critical',
        title: `Sweep ${sweep.id} of ETH from ${sweep.address} keeps failing: the EVM node did not answer`,
      },
    ]);
    await failTimes(sweep, 5);
    expect(await alertsOf(sweep)).toHaveLength(1);
  });

  it('is not alerted for eight quick tries (a burst), nor once a try succeeded in between', async () => {
    const quick = await openSweep();
    await failTimes(quick, TRIES_BEFORE_ALERT + 2);
    expect(await alertsOf(quick)).toEqual([]);

    const recovered = await openSweep();
    await failTimes(recovered, TRIES_BEFORE_ALERT - 1);
    await failingLong(recovered);
    await clearSweepError(db.sql, recovered.id);
    await failTimes(recovered, 1);
    expect(await alertsOf(recovered)).toEqual([]);
    const [row] = await db.sql`select last_error, failed_tries from evm_sweeps where id = ${recovered.id}`;
    expect(row).toEqual({ lastError: 'the EVM node did not answer', failedTries: 1 });
  });

  it('leaves a failure that will not pass by itself to its own alert', async () => {
    const sweep = await openSweep();
    await failTimes(sweep, TRIES_BEFORE_ALERT, false);
    await failingLong(sweep);
    await failTimes(sweep, 1, false);
    expect(await alertsOf(sweep)).toEqual([]);
  });
});
