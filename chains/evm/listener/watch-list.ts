/**
 * The deposit addresses the EVM listener watches, kept current between rounds. HD indexes are taken from a sequence
 * before their rows commit, so a lower index can commit after a higher one was read: the indexes skipped so far
 * (gaps) are asked for again each round, until they appear or are old enough to be indexes that were never used
 * (a request that lost a race for its user's address leaves one).
 */
import type { DepositAddressRow } from '../../../services/deposits/evm-addresses-store.js';

/** Reads the addresses after an index and those at the given indexes (`depositAddressesAfter`). */
export type LoadAddresses<Row extends DepositAddressRow = DepositAddressRow> = (
  afterIndex: number,
  gaps: number[],
) => Promise<Row[]>;

/** Far longer than any request takes from taking an index to committing its row. */
const GAP_GIVE_UP_MS = 10 * 60_000;

export class DepositWatchList<Row extends DepositAddressRow = DepositAddressRow> {
  private readonly rows = new Map<string, Row>(); // address → its row
  private lastIndex: number;
  private readonly gaps = new Map<number, number>(); // index not seen yet → when first missed

  constructor(
    private readonly load: LoadAddresses<Row>,
    private readonly now: () => number = Date.now,
    /** The index space's first index: indexes below it are not gaps. */
    firstIndex = 0,
  ) {
    this.lastIndex = firstIndex - 1;
  }

  userOf(address: string): string | undefined {
    return this.rows.get(address)?.userId;
  }

  rowOf(address: string): Row | undefined {
    return this.rows.get(address);
  }

  async refresh(): Promise<void> {
    const rows = await this.load(this.lastIndex, [...this.gaps.keys()]);
    for (const row of rows) {
      this.rows.set(row.address, row);
      this.gaps.delete(row.hdIndex);
      for (let missing = this.lastIndex + 1; missing < row.hdIndex; missing++) this.gaps.set(missing, this.now());
      this.lastIndex = Math.max(this.lastIndex, row.hdIndex);
    }
    for (const [index, since] of this.gaps) if (this.now() - since > GAP_GIVE_UP_MS) this.gaps.delete(index);
  }
}
