/**
 * Report files in Postgres, in chunks of about a mebibyte: written as the report is produced (one chunk stored while
 * the next fills, so memory holds two), streamed back a chunk at a time by whichever API process is asked.
 */
import { Writable } from 'node:stream';
import type { Db, Sql } from '../../platform/db/client.js';

export const REPORT_CHUNK_BYTES = 1024 * 1024;

/** A writable stream into report `reportId`'s file; `bytes` counts what it was given. */
export class ReportFileWriter extends Writable {
  bytes = 0;
  private seq = 0;
  private filling: Buffer[] = [];
  private fillingBytes = 0;
  private storing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Sql,
    private readonly reportId: string,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.filling.push(chunk);
    this.fillingBytes += chunk.length;
    this.bytes += chunk.length;
    if (this.fillingBytes < REPORT_CHUNK_BYTES) return done();
    this.store().then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    (async () => {
      if (this.fillingBytes > 0) await this.store();
      await this.storing;
    })().then(() => done(), done);
  }

  /** Waits for the chunk before to be stored, then stores this one in the background. */
  private async store(): Promise<void> {
    const data = Buffer.concat(this.filling);
    this.filling = [];
    this.fillingBytes = 0;
    const seq = this.seq++;
    await this.storing;
    this.storing = this.db`insert into report_file_chunks (report_id, seq, data) values (${this.reportId}, ${seq}, ${data})`.then(
      () => {},
    );
    this.storing.catch(() => {}); // awaited by the next store or by _final
  }
}

/** Forgets what an earlier attempt stored, so a retried report is written from the start. */
export async function clearReportFile(db: Db, reportId: string): Promise<void> {
  await db`delete from report_file_chunks where report_id = ${reportId}`;
}

/** The file's chunks in order, read one at a time. */
export async function* reportFileChunks(db: Sql, reportId: string): AsyncIterable<Buffer> {
  const cursor = db`select data from report_file_chunks where report_id = ${reportId} order by seq`.cursor(1);
  for await (const [row] of cursor) yield row!.data as Buffer;
}
