import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginWithReads, stagedTransaction } from '../../platform/db/begin-with-reads.js';
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
});

describe('stagedTransaction', () => {
  it('sends COMMIT behind the last writes, before their answers, and commits them', async () => {
    let answered = false;
    const result = await stagedTransaction(
      db.sql,
      async () => undefined,
      async (tx) => {
        const inserted = tx`insert into begin_with_reads values (10), (11)`.execute();
        return {
          written: inserted.then((r) => {
            answered = true;
            return r.count;
          }),
        };
      },
    );
    expect(result).toBe(2);
    expect(answered).toBe(true);
    expect(await rows()).toEqual([1, 10, 11]);
  });

  it("rolls back when a write sent with COMMIT fails, and rejects with that write's error", async () => {
    await expect(
      stagedTransaction(
        db.sql,
        async () => undefined,
        async (tx) => {
          const first = tx`insert into begin_with_reads values (12)`.execute();
          const duplicate = tx`insert into begin_with_reads values (1)`.execute();
          return { written: Promise.all([first, duplicate]) };
        },
      ),
    ).rejects.toThrow(/duplicate key/);
    expect(await rows()).toEqual([1, 10, 11]);
  });
});
