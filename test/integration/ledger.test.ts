import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { balanceView, type TransferGroup } from '../../domain/ledger/engine.js';
import { recomputeLedger } from '../../services/audit/recompute.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { commitGroups, readGroups, stageDecisions, stageGroups } from '../../services/ledger/journal.js';
import { LedgerWriter, type WithGroup } from '../../services/ledger/writer.js';
import { numberArray } from '../../platform/db/number-array.js';
import { beginWithReads } from '../../platform/db/begin-with-reads.js';
import { createSql, PgError, pgErrorCode } from '../../platform/db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let writer: LedgerWriter;

beforeAll(async () => {
  db = await createTestDatabase();
  writer = new LedgerWriter(db.sql);
});
afterAll(() => db.drop());

const fund = (user: string, amount: bigint, key: string, currency = 'USD'): TransferGroup => ({
  transfers: [{ kind: 'posted', key, debit: 'equity:adjustments', credit: user, currency, amount }],
});
const move = (from: string, to: string, amount: bigint, key: string, currency = 'USD'): TransferGroup => ({
  transfers: [{ kind: 'posted', key, debit: from, credit: to, currency, amount }],
});
/** How many statements a chunk of the frontend protocol binds (its Bind messages: type byte, then a length). */
function boundStatements(chunk: Buffer): number {
  let binds = 0;
  for (let at = 0; at + 5 <= chunk.length; at += 1 + chunk.readInt32BE(at + 1)) if (chunk[at] === 0x42) binds++;
  return binds;
}
const available = async (name: string, currency = 'USD') => balanceView(await balanceOf(db.sql, name, currency)).available;

describe('ledger on Postgres', () => {
  it('creates accounts on first use and posts a transfer', async () => {
    const outcome = await writer.submit(fund('user:alice', 10_000n, 'fund:alice:1'));
    expect(outcome).toMatchObject({
      ok: true,
      replayed: false,
      transfers: [{ key: 'fund:alice:1', amount: 10_000n, kind: 'posted' }],
    });
    expect(await available('user:alice')).toBe(10_000n);
  });

  it('returns the first result for a repeated key, and a conflict for a different request under it', async () => {
    const first = await writer.submit(fund('user:bob', 500n, 'fund:bob:1'));
    const again = await writer.submit(fund('user:bob', 500n, 'fund:bob:1'));
    expect(again.ok && again.replayed).toBe(true);
    expect(again.ok && first.ok && again.transfers[0]!.id).toBe(first.ok && first.transfers[0]!.id);
    const different = await writer.submit(fund('user:bob', 501n, 'fund:bob:1'));
    expect(different).toMatchObject({ ok: false, error: { code: 'idempotency_conflict' } });
    expect(await available('user:bob')).toBe(500n);
  });

  it('treats the same key twice in one batch as one transfer', async () => {
    const [a, b] = await Promise.all([
      writer.submit(fund('user:carol', 700n, 'fund:carol:1')),
      writer.submit(fund('user:carol', 700n, 'fund:carol:1')),
    ]);
    expect(a!.ok && !a!.replayed).toBe(true);
    expect(b!.ok && b!.replayed).toBe(true);
    expect(await available('user:carol')).toBe(700n);
  });

  it('refuses an unknown currency without failing its batch neighbours', async () => {
    const [bad, good] = await Promise.all([
      writer.submit(fund('user:dave', 1n, 'fund:dave:xyz', 'XYZ')),
      writer.submit(fund('user:dave', 1n, 'fund:dave:usd')),
    ]);
    expect(bad).toMatchObject({ ok: false, error: { code: 'unknown_currency' } });
    expect(good!.ok).toBe(true);
  });

  it('holds, posts in part and voids across transactions', async () => {
    await writer.submit(fund('user:erin', 1_000n, 'fund:erin'));
    const hold = await writer.submit({
      transfers: [
        { kind: 'pending', key: 'w:1:hold', debit: 'user:erin', credit: 'clearing:withdrawals', currency: 'USD', amount: 600n },
      ],
    });
    expect(hold.ok).toBe(true);
    expect(await available('user:erin')).toBe(400n);
    const overspend = await writer.submit(move('user:erin', 'user:frank', 401n, 'erin:overspend'));
    expect(overspend).toMatchObject({ ok: false, error: { code: 'insufficient_funds', subject: 'user:erin' } });
    const post = await writer.submit({ transfers: [{ kind: 'post', key: 'w:1:post', pendingKey: 'w:1:hold', amount: 550n }] });
    expect(post.ok).toBe(true);
    expect(balanceView(await balanceOf(db.sql, 'user:erin', 'USD'))).toEqual({ posted: 450n, pending: 0n, available: 450n });
    const postAgain = await writer.submit({
      transfers: [{ kind: 'post', key: 'w:1:post', pendingKey: 'w:1:hold', amount: 550n }],
    });
    expect(postAgain.ok && postAgain.replayed).toBe(true);
    const voidAfterPost = await writer.submit({ transfers: [{ kind: 'void', key: 'w:1:void', pendingKey: 'w:1:hold' }] });
    expect(voidAfterPost).toMatchObject({ ok: false, error: { code: 'pending_already_resolved' } });
  });

  it('commits inside a caller transaction, atomically with its own rows', async () => {
    await writer.submit(fund('user:gina', 100n, 'fund:gina'));
    await expect(
      db.sql.begin(async (tx) => {
        const [outcome] = await commitGroups(tx, [move('user:gina', 'user:hank', 60n, 'gina:hank')]);
        expect(outcome!.ok).toBe(true);
        throw new Error('caller changed its mind');
      }),
    ).rejects.toThrow('caller changed its mind');
    expect(await available('user:gina')).toBe(100n);
  });

  it('stages a batch: decides every group before its writes, then writes what it decided', async () => {
    await writer.submit(fund('user:ivy', 300n, 'fund:ivy'));
    await writer.submit({
      transfers: [{ kind: 'pending', key: 'ivy:hold', debit: 'user:ivy', credit: 'clearing:ivy', currency: 'USD', amount: 200n }],
    });
    const [decided, outcomes] = await db.sql.begin(async (tx) => {
      const staged = await stageGroups(tx, [
        // its accounts are only those of the pending transfer it posts: locked through it
        { transfers: [{ kind: 'post', key: 'ivy:post', pendingKey: 'ivy:hold', amount: 150n }] },
        // after the post, 150 of 300 are left: the rest of the hold went back
        move('user:ivy', 'user:jay', 151n, 'ivy:overspend'),
        move('user:ivy', 'user:jay', 100n, 'ivy:jay'),
        move('user:ivy', 'user:jay', 99n, 'ivy:jay'),
        fund('user:jay', 1n, 'fund:jay:xyz', 'XYZ'),
      ]);
      return [staged.decided, await staged.written] as const;
    });
    expect(decided.map((d) => (d.ok ? 'ok' : d.error.code))).toEqual([
      'ok',
      'insufficient_funds',
      'ok',
      'idempotency_conflict',
      'unknown_currency',
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual(decided.map((d) => d.ok));
    expect(balanceView(await balanceOf(db.sql, 'user:ivy', 'USD'))).toEqual({ posted: 50n, pending: 0n, available: 50n });
    expect(await available('user:jay')).toBe(100n);
    expect(await db.sql`select 1 from ledger_accounts where currency = 'XYZ'`).toHaveLength(0);
  });

  it('does not look up keys a caller made new, and still refuses one written before (the unique index)', async () => {
    await writer.submit(fund('user:olga', 300n, 'fund:olga'));
    const sent: string[] = [];
    const counted = createSql(db.url, { max: 1, onStatement: (...args: unknown[]) => sent.push(String(args[1])) });
    const newKeys = (group: TransferGroup) =>
      counted.begin(async (tx) => {
        const read = await readGroups(tx, [group], { newKeys: true });
        const { decided, written } = await stageDecisions(tx, [group], read);
        await written;
        return decided;
      });
    try {
      expect(await newKeys(move('user:olga', 'user:pia', 100n, 'olga:pia'))).toEqual([{ ok: true }]);
      expect(sent.filter((q) => /from ledger_transfers/.test(q))).toEqual([]);
      // the same key again is not replayed from the journal, it fails the insert (a race to the writers: retried)
      const error = await newKeys(move('user:olga', 'user:pia', 100n, 'olga:pia')).catch((e: unknown) => e);
      expect(pgErrorCode(error)).toBe(PgError.UniqueViolation);
      expect(await available('user:olga')).toBe(200n);
    } finally {
      await counted.end();
    }
  });

  it('stages a batch for its decisions alone: the same decisions and writes, and no transfer row sent back', async () => {
    await writer.submit(fund('user:mia', 300n, 'fund:mia'));
    await writer.submit({
      transfers: [{ kind: 'pending', key: 'mia:hold', debit: 'user:mia', credit: 'clearing:mia', currency: 'USD', amount: 200n }],
    });
    const sent: string[] = [];
    const counted = createSql(db.url, { max: 1, onStatement: (...args: unknown[]) => sent.push(String(args[1])) });
    try {
      const decided = await counted.begin(async (tx) => {
        const staged = await stageDecisions(tx, [
          { transfers: [{ kind: 'post', key: 'mia:post', pendingKey: 'mia:hold', amount: 150n }] },
          move('user:mia', 'user:ned', 151n, 'mia:overspend'),
          move('user:mia', 'user:ned', 100n, 'mia:ned'),
          // the same key again in the batch: the same request replays, a different one conflicts
          move('user:mia', 'user:ned', 100n, 'mia:ned'),
          move('user:mia', 'user:ned', 99n, 'mia:ned'),
          fund('user:ned', 1n, 'fund:ned:xyz', 'XYZ'),
        ]);
        await staged.written;
        return staged.decided;
      });
      expect(decided.map((d) => (d.ok ? 'ok' : d.error.code))).toEqual([
        'ok',
        'insufficient_funds',
        'ok',
        'ok',
        'idempotency_conflict',
        'unknown_currency',
      ]);
      const inserts = sent.filter((q) => /insert into ledger_transfers/.test(q));
      expect(inserts).toHaveLength(1);
      expect(inserts[0]).not.toMatch(/returning/);
    } finally {
      await counted.end();
    }
    expect(balanceView(await balanceOf(db.sql, 'user:mia', 'USD'))).toEqual({ posted: 50n, pending: 0n, available: 50n });
    expect(await available('user:ned')).toBe(100n);
    const stored = await db.sql`select key, amount from ledger_transfers where key in ('mia:post', 'mia:ned') order by key`;
    expect(stored.map((r) => [r.key, r.amount])).toEqual([
      ['mia:ned', 100n],
      ['mia:post', 150n],
    ]);
  });

  it('sends numbers as one array literal that PostgreSQL reads back exactly, and refuses what is not an integer', async () => {
    const wei = 10n ** 30n + 7n;
    // read back as PostgreSQL prints them (the client's numeric parser takes no null element)
    const [row] = await db.sql`
      select (${numberArray([wei, -5n, null, 0n])}::numeric[])::text as amounts,
        (${numberArray([1, 9_007_199_254_740_991, null])}::bigint[])::text as ids,
        (${numberArray([true, false, null])}::boolean[])::text as flags, cardinality(${numberArray([])}::bigint[]) as none`;
    expect(row).toEqual({ amounts: `{${wei},-5,NULL,0}`, ids: '{1,9007199254740991,NULL}', flags: '{t,f,NULL}', none: 0 });
    expect(() => numberArray([1.5])).toThrow(/not an integer/);
    expect(() => numberArray([Number.NaN])).toThrow(/not an integer/);
  });

  it('rolls back a batch sent with its COMMIT when a concurrent transaction took one of its keys', async () => {
    await writer.submit(fund('user:kim', 1_000n, 'fund:kim'));
    const raced = move('user:kim', 'user:lee', 100n, 'kim:lee:raced');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedByOther = new Promise<void>((resolve) => (inserted = resolve));
    // the other transaction writes the key and keeps its locks until released
    const other = db.sql.begin(async (tx) => {
      await commitGroups(tx, [raced]);
      inserted();
      await held;
    });
    await insertedByOther;
    const staged = beginWithReads(
      db.sql,
      async () => undefined,
      async (tx, _, commit) => {
        // a request under the same key between other accounts (a conflict): its locks do not wait for the other
        // transaction, so its lookup does not see the uncommitted key, and its insert waits on the key until the other
        // commits (a batch on the same accounts waits on their locks, then finds the key and replays it)
        const pending = stageGroups(tx, [
          fund('user:kim-rival', 100n, raced.transfers[0]!.key),
          fund('user:kim-rival', 1n, 'kim:lee:other'),
        ]);
        setTimeout(release, 200);
        // COMMIT goes out with the writes, before their answers: the race must fail in SQL, not in a check of them
        await Promise.all([(await pending).written, commit()]);
      },
    );
    await other;
    const error = await staged.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pgErrorCode(error)).toBe(PgError.UniqueViolation);
    // the other transfer of the batch was not committed, nor counted in the sums
    expect(await db.sql`select 1 from ledger_transfers where key = 'kim:lee:other'`).toHaveLength(0);
    expect(await available('user:kim')).toBe(900n);
    expect(await available('user:lee')).toBe(100n);
    expect(await db.sql`select 1 from ledger_accounts where name = 'user:kim-rival'`).toHaveLength(0);
    expect((await recomputeLedger(db.sql)).drifts).toEqual([]);
  });

  it("sends BEGIN with a batch's reads and COMMIT with its writes, but creates an account or a counter only once BEGIN has answered", async () => {
    // statements issued before the event loop polls for I/O again went out together: no answer came between them
    const waves: string[][] = [];
    let together = false;
    const counted = createSql(db.url, {
      max: 1,
      onStatement: (...args: unknown[]) => {
        if (!together) {
          waves.push([]);
          together = true;
          setImmediate(() => (together = false));
        }
        waves.at(-1)!.push(String(args[1]).trim().split(/\s+/)[0]!.toLowerCase());
      },
    });
    const batchWaves = async (group: TransferGroup, withGroup?: WithGroup) => {
      waves.length = 0;
      expect(await countedWriter.submit(group, withGroup)).toMatchObject({ ok: true, replayed: false });
      return [...waves];
    };
    const countedWriter = new LedgerWriter(counted);
    try {
      // the connection prepares each statement on its first use, which costs a round trip of its own: first both kinds
      await countedWriter.submit(fund('user:waves-a', 300n, 'waves:a'));
      await countedWriter.submit(move('user:waves-a', 'equity:adjustments', 1n, 'waves:a:1'));

      // a new account: reads, locks and its insert wait for BEGIN; then the writes and COMMIT
      expect(await batchWaves(fund('user:waves-b', 300n, 'waves:b'))).toEqual([
        ['begin'],
        ['insert', 'select', 'select'],
        ['insert', 'update', 'commit'],
      ]);
      // accounts found before: BEGIN with the reads and locks, COMMIT with the writes
      expect(await batchWaves(move('user:waves-b', 'equity:adjustments', 100n, 'waves:b:1'))).toEqual([
        ['begin', 'select', 'select'],
        ['insert', 'update', 'commit'],
      ]);
      expect(await available('user:waves-b')).toBe(200n);
      // a request with statements of its own (a transfer's callback linked): they follow the writes' answers, with the
      // group's transfers, and COMMIT follows them
      const own: string[] = [];
      const linking: WithGroup = async (tx, transfers) => {
        own.push(...transfers.map((t) => t.key));
        await tx`select 1`;
      };
      expect(await batchWaves(move('user:waves-b', 'equity:adjustments', 100n, 'waves:b:own'), linking)).toEqual([
        ['begin', 'select', 'select'],
        ['insert', 'update'],
        ['select'],
        ['commit'],
      ]);
      expect(own).toEqual(['waves:b:own']);
      // not for a replay
      expect(await countedWriter.submit(move('user:waves-b', 'equity:adjustments', 100n, 'waves:b:own'), linking)).toMatchObject({
        ok: true,
        replayed: true,
      });
      expect(own).toEqual(['waves:b:own']);

      // a counter row (a day's usage) likewise: created once BEGIN has answered, then locked with BEGIN
      const counting = (key: string): TransferGroup => ({
        ...move('user:waves-b', 'equity:adjustments', 10n, key),
        counters: [{ key: 'waves:day', add: 10n }],
      });
      await countedWriter.submit(counting('waves:b:prepare'));
      await db.sql`delete from ledger_counters where key = 'waves:day'`;
      // one this process found before but missing after all (a test's fresh database) is created again, and counts
      expect(await batchWaves(counting('waves:b:2'))).toEqual([
        ['begin', 'select', 'select', 'select'],
        ['insert', 'select'],
        ['insert', 'update', 'update', 'commit'],
      ]);
      expect(await batchWaves(counting('waves:b:3'))).toEqual([
        ['begin', 'select', 'select', 'select'],
        ['insert', 'update', 'update', 'commit'],
      ]);
      const [day] = await db.sql`select value from ledger_counters where key = 'waves:day'`;
      expect(day!.value).toBe(20n);
    } finally {
      await counted.end();
    }
  });

  it("sends a batch's BEGIN, locks and key lookups in one write, so its first round trip starts whole", async () => {
    // postgres.js writes what it has buffered once a statement brings it to 1 KB, and anything smaller on its next
    // setImmediate, a turn of the event loop later: a lock sent after the keys' lookup waited that turn on its own
    const port = Number(new URL(db.url).port);
    const binds: number[] = [];
    const originalWrite = Socket.prototype.write;
    const write = vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port && Buffer.isBuffer(args[0])) binds.push(boundStatements(args[0]));
      return (originalWrite as (...a: unknown[]) => boolean).apply(this, args);
    });
    const single = createSql(db.url, { max: 1 });
    const batchWriter = new LedgerWriter(single);
    // keys of a realistic length (the transfer service's: a user id and the client's key), enough to pass 1 KB
    const batch = (round: string) =>
      Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          batchWriter.submit(move('user:one-write', 'equity:adjustments', 1n, `transfer:${randomUUID()}:${round}-${i}`)),
        ),
      );
    try {
      await writer.submit(fund('user:one-write', 1_000n, 'fund:one-write'));
      await batch('prepare'); // the connection prepares each statement on its first use, a round trip of its own
      binds.length = 0;
      expect((await batch('measured')).every((o) => o.ok)).toBe(true);
      // BEGIN, the accounts' lock and the keys' lookup; then the writes and COMMIT
      expect(binds[0]).toBe(3);
    } finally {
      write.mockRestore();
      await single.end();
    }
  });

  it('never overdraws one account under many parallel transfers, and keeps the zero sum', async () => {
    await writer.submit(fund('user:hot', 1_000n, 'fund:hot'));
    // two writers (two processes' worth of batching) racing on one account
    const other = new LedgerWriter(db.sql);
    const attempts = Array.from({ length: 400 }, (_, i) =>
      (i % 2 ? writer : other).submit(move('user:hot', `user:sink${i % 7}`, 7n, `hot:${i}`)),
    );
    const outcomes = await Promise.all(attempts);
    const succeeded = outcomes.filter((o) => o.ok).length;
    expect(succeeded).toBe(Math.floor(1_000 / 7));
    expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.error.code === 'insufficient_funds')).toBe(true);
    expect(await available('user:hot')).toBe(1_000n - 7n * BigInt(succeeded));

    const report = await recomputeLedger(db.sql);
    expect(report.drifts).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.currencies.find((c) => c.currency === 'USD')).toMatchObject({ postedSum: '0', balanced: true });
  });

  it('with two batches in flight, never overdraws a hot payer and posts a key raced across batches once', async () => {
    await writer.submit(fund('user:hot2', 1_000n, 'fund:hot2'));
    const inFlight = new LedgerWriter(db.sql, 2, 10); // small batches: many commit while another waits on the row
    const keys = Array.from({ length: 200 }, (_, i) => `hot2:${i}`);
    const outcomes = await Promise.all(
      [...keys, ...keys.slice(0, 100)].map((key, i) => inFlight.submit(move('user:hot2', `user:sink${i % 5}`, 7n, key))),
    );
    expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.error.code === 'insufficient_funds')).toBe(true);
    const posted = new Map<string, Set<string>>();
    for (const o of outcomes)
      if (o.ok) posted.set(o.transfers[0]!.key, (posted.get(o.transfers[0]!.key) ?? new Set()).add(o.transfers[0]!.id));
    expect([...posted.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(posted.size).toBe(Math.floor(1_000 / 7));
    expect(await available('user:hot2')).toBe(1_000n - 7n * BigInt(posted.size));
    expect((await recomputeLedger(db.sql)).ok).toBe(true);
  });

  it('starts the next batch while the one in flight waits on its COMMIT, which still answers its own', async () => {
    await writer.submit(fund('user:slowcommit', 100n, 'fund:slowcommit'));
    await writer.submit(fund('user:quick', 100n, 'fund:quick'));
    // a deferred trigger holds the first batch's COMMIT on an advisory lock this test keeps until the second answered
    await db.sql.unsafe(`
      create function hold_commit() returns trigger language plpgsql as
        $$ begin perform pg_advisory_xact_lock(7351); return null; end $$;
      create constraint trigger hold_commit after insert on ledger_transfers deferrable initially deferred
        for each row when (new.key like 'held-commit:%') execute function hold_commit();`);
    const holder = await db.sql.reserve();
    try {
      await holder`select pg_advisory_lock(7351)`;
      const queue = new LedgerWriter(db.sql);
      const first = queue.submit(move('user:slowcommit', 'user:slowsink', 1n, 'held-commit:1'));
      await vi.waitUntil(
        async () =>
          (await db.sql`select 1 from pg_locks where locktype = 'advisory' and objid = 7351 and not granted`).length > 0,
        { timeout: 10_000, interval: 20 },
      );
      const second = queue.submit(move('user:quick', 'user:other', 1n, 'after-held-commit:1'));
      const answered = await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 5_000, 'waited'))]);
      expect(answered).toMatchObject({ ok: true, replayed: false });
      await holder`select pg_advisory_unlock(7351)`;
      expect(await first).toMatchObject({ ok: true, replayed: false });
    } finally {
      await holder`select pg_advisory_unlock_all()`;
      holder.release();
      await db.sql.unsafe('drop trigger hold_commit on ledger_transfers; drop function hold_commit()');
    }
    expect(await available('user:slowcommit')).toBe(99n);
    expect(await available('user:other')).toBe(1n);
  });

  it('enforces daily-limit counters atomically across parallel requests', async () => {
    await writer.submit(fund('user:lim', 10_000n, 'fund:lim'));
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        writer.submit({
          ...move('user:lim', 'user:limsink', 100n, `lim:${i}`),
          counters: [{ key: 'daily:lim', add: 100n, max: 1_000n }],
        }),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(10);
    expect(await available('user:lim')).toBe(9_000n);
  });

  it('refuses edits of the journal', async () => {
    await expect(db.sql`update ledger_transfers set amount = 1`).rejects.toThrow(/append-only/);
    await expect(db.sql`delete from ledger_transfers`).rejects.toThrow(/append-only/);
  });

  it('refuses a transfer row in another currency than its accounts', async () => {
    const rolledBack = new Error('rolled back: the journal keeps matching the sums');
    const outcome = await db.sql
      .begin(async (tx) => {
        const [from, to] = await tx`
          insert into ledger_accounts (name, currency, no_overdraft)
          values ('user:mixed-from', 'USD', false), ('user:mixed-to', 'USD', false) returning id`;
        const insert = (sql: typeof tx, currency: string) => sql`
          insert into ledger_transfers (key, kind, debit_account_id, credit_account_id, currency, amount)
          values (${`mixed:${currency}`}, 'posted', ${from!.id}, ${to!.id}, ${currency}, 1)`;
        // the same row in the accounts' currency is accepted: only the currency makes the other one fail
        await insert(tx, 'USD');
        const refused = await tx.savepoint((sp) => insert(sp, 'EUR')).catch((error: unknown) => error);
        expect(pgErrorCode(refused)).toBe('23503');
        throw rolledBack;
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(rolledBack);
  });

  it('creates no account it has found before: a batch naming only those sends no insert into ledger_accounts', async () => {
    const sent: string[] = [];
    const counted = createSql(db.url, { max: 1, onStatement: (...args: unknown[]) => sent.push(String(args[1])) });
    try {
      await counted.begin((tx) => commitGroups(tx, [fund('user:known', 300n, 'known:1')]));
      const creating = sent.filter((q) => /insert into ledger_accounts/.test(q)).length;
      sent.length = 0;
      const [outcome] = await counted.begin((tx) =>
        commitGroups(tx, [move('user:known', 'equity:adjustments', 100n, 'known:2')]),
      );
      expect(creating).toBe(1);
      expect(outcome).toMatchObject({ ok: true, replayed: false });
      expect(sent.filter((q) => /insert into ledger_accounts/.test(q))).toEqual([]);
      expect(await available('user:known')).toBe(200n);
    } finally {
      await counted.end();
    }
  });

  it('creates an account this process found in another database when this one lacks it', async () => {
    const other = await createTestDatabase();
    try {
      // found here, then named in a fresh database: it must be created there, not taken as an unknown currency
      await db.sql.begin((tx) => commitGroups(tx, [fund('user:elsewhere', 50n, 'elsewhere:1')]));
      const [outcome] = await other.sql.begin((tx) => commitGroups(tx, [fund('user:elsewhere', 70n, 'elsewhere:1')]));
      expect(outcome).toMatchObject({ ok: true, replayed: false });
      const [row] =
        await other.sql`select credits_posted from ledger_accounts where name = 'user:elsewhere' and currency = 'USD'`;
      expect(row!.creditsPosted).toBe(70n);
    } finally {
      await other.drop();
    }
  });

  it('creates a remembered account for every concurrent batch that finds it missing, not only the first', async () => {
    const other = await createTestDatabase();
    try {
      // both batches skip creating it and find it missing; the first to look forgets it, and the second must still
      // create it rather than apply its group to an account it never locked
      await db.sql.begin((tx) => commitGroups(tx, [fund('user:elsewhere-twice', 50n, 'elsewhere-twice:1')]));
      // both transactions open before either batch starts, so that their lookups overlap
      let opened = 0;
      let bothOpen: () => void = () => {};
      const together = new Promise<void>((resolve) => (bothOpen = resolve));
      const outcomes = await Promise.all(
        [70n, 30n].map((amount) =>
          other.sql.begin(async (tx) => {
            await tx`select 1`;
            if (++opened === 2) bothOpen();
            await together;
            return commitGroups(tx, [fund('user:elsewhere-twice', amount, `elsewhere-twice:${amount}`)]);
          }),
        ),
      );
      expect(outcomes.flat()).toMatchObject([{ ok: true }, { ok: true }]);
      const [row] =
        await other.sql`select credits_posted from ledger_accounts where name = 'user:elsewhere-twice' and currency = 'USD'`;
      expect(row!.creditsPosted).toBe(100n);
    } finally {
      await other.drop();
    }
  });

  it('stores each transfer its own metadata, exactly, across the groups of a batch', async () => {
    await db.sql.begin((tx) =>
      commitGroups(tx, [
        {
          transfers: [
            { ...fund('user:meta', 5n, 'meta:1').transfers[0]!, metadata: { type: 'a', quoted: 'x"y\\z' } },
            fund('user:meta', 6n, 'meta:2').transfers[0]!,
          ],
        },
        { transfers: [{ ...fund('user:meta', 7n, 'meta:3').transfers[0]!, metadata: { n: 3 } }] },
      ]),
    );
    const rows = await db.sql`select key, metadata from ledger_transfers where key like 'meta:%' order by key`;
    expect(rows.map((r) => [r.key, r.metadata])).toEqual([
      ['meta:1', { type: 'a', quoted: 'x"y\\z' }],
      ['meta:2', {}],
      ['meta:3', { n: 3 }],
    ]);
  });

  it('reports drift when running sums disagree with the journal', async () => {
    await db.sql`update ledger_accounts set credits_posted = credits_posted + 1 where name = 'user:alice' and currency = 'USD'`;
    const report = await recomputeLedger(db.sql);
    expect(report.ok).toBe(false);
    expect(report.drifts).toContainEqual({
      account: 'user:alice',
      currency: 'USD',
      field: 'creditsPosted',
      stored: '10001',
      journal: '10000',
    });
    expect(report.currencies.find((c) => c.currency === 'USD')!.balanced).toBe(false);
    await db.sql`update ledger_accounts set credits_posted = credits_posted - 1 where name = 'user:alice' and currency = 'USD'`;
  });
});
