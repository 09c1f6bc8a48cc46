import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginWithReads } from '../../platform/db/begin-with-reads.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`create table begin_with_reads (n int primary key)`;
});
afterAll(() => db.drop());

const rows = async () => (await db.sql`select n from begin_with_reads order by n`).map((r) => r.n as number);

describe('beginWithReads', () => {
  it('runs the reads inside the transaction it begins, and commits what the body wrote', async () => {
    const result = await beginWithReads(
      db.sql,
      async (tx) => (await tx`select now()::text as at`)[0]!,
      async (tx, read) => {
        await tx`insert into begin_with_reads values (1)`;
        // now() is the transaction's start: the same for the read sent with BEGIN and for this statement
        const [again] = await tx`select now()::text as at`;
        return again!.at === read.at;
      },
    );
    expect(result).toBe(true);
    expect(await rows()).toEqual([1]);
  });

  it('rolls back what the body wrote when it throws', async () => {
    await expect(
      beginWithReads(
        db.sql,
        async () => undefined,
        async (tx) => {
          await tx`insert into begin_with_reads values (2)`;
          throw new Error('the body changed its mind');
        },
      ),
    ).rejects.toThrow('the body changed its mind');
    expect(await rows()).toEqual([1]);
  });

  it('commits nothing when a statement failed, even one whose error the body did not wait for', async () => {
    await expect(
      beginWithReads(
        db.sql,
        async () => undefined,
        async (tx) => {
          await tx`insert into begin_with_reads values (3)`;
          tx`insert into begin_with_reads values (1)`.catch(() => {});
          await tx`select 1`.catch(() => {});
        },
      ),
    ).rejects.toThrow('rolled back');
    expect(await rows()).toEqual([1]);
  });

  it('commits once when the body sends COMMIT behind its last writes, before they have answered', async () => {
    const result = await beginWithReads(
      db.sql,
      async (tx) => (await tx`select txid_current()::text as id`)[0]!.id as string,
      async (tx, transaction, commit) => {
        // issued the way a body issues them: awaited in an async function, or put in a Promise.all
        const insert = async (n: number) =>
          (await tx`insert into begin_with_reads values (${n}) returning txid_current()::text as id`)[0]!;
        const written = Promise.all([insert(4), insert(6)]);
        const committed = commit();
        const ids = (await written).map((r) => r.id as string);
        await committed;
        // the same COMMIT, not a second one: beginWithReads awaits what the body started
        expect(commit()).toBe(committed);
        // both ran inside the transaction, before its COMMIT, not after it on their own
        return ids.every((id) => id === transaction);
      },
    );
    expect(result).toBe(true);
    expect(await rows()).toEqual([1, 4, 6]);
  });

  it('sends COMMIT behind a statement the body sent microtasks after asking for it, with no I/O between', async () => {
    const result = await beginWithReads(
      db.sql,
      async (tx) => (await tx`select txid_current()::text as id`)[0]!.id as string,
      async (tx, transaction, commit) => {
        // a helper that awaits settled promises before it sends its write: COMMIT waits for the microtasks to run out
        const written = (async () => {
          for (let hop = 0; hop < 20; hop++) await Promise.resolve();
          return (await tx`insert into begin_with_reads values (8) returning txid_current()::text as id`)[0]!;
        })();
        const committed = commit();
        const [row] = await Promise.all([written, committed]);
        return row.id === transaction;
      },
    );
    expect(result).toBe(true);
  });

  it('reports a COMMIT sent behind a failing write as a rollback, and commits none of it', async () => {
    let committed: Promise<void> | undefined;
    await expect(
      beginWithReads(
        db.sql,
        async () => undefined,
        async (tx, _, commit) => {
          const writes = Promise.all([tx`insert into begin_with_reads values (5)`, tx`insert into begin_with_reads values (1)`]);
          committed = commit();
          await writes;
        },
      ),
    ).rejects.toThrow('duplicate key');
    await expect(committed).rejects.toThrow('rolled back');
    expect(await rows()).toEqual([1, 4, 6, 8]);
  });
});
