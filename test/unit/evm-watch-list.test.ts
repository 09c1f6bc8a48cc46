/** The EVM listener's watch list: addresses whose rows commit out of HD index order are still picked up. */
import { describe, expect, it } from 'vitest';
import { DepositWatchList } from '../../chains/evm/listener/watch-list.js';
import type { DepositAddressRow } from '../../services/deposits/evm-addresses-store.js';

const row = (hdIndex: number): DepositAddressRow => ({ hdIndex, address: `0x${hdIndex}`, userId: `u${hdIndex}` });

function listOver(committed: DepositAddressRow[], firstIndex = 0) {
  let now = 0;
  const asked: number[][] = [];
  const list = new DepositWatchList(
    async (after, gaps) => {
      asked.push(gaps);
      return committed.filter((r) => r.hdIndex > after || gaps.includes(r.hdIndex)).sort((a, b) => a.hdIndex - b.hdIndex);
    },
    () => now,
    firstIndex,
  );
  return { list, asked, advance: (ms: number) => void (now += ms) };
}

describe('DepositWatchList', () => {
  it("starts at its index space's first index: invoices' addresses (from 2^30) leave no gaps below it", async () => {
    const first = 2 ** 30;
    const { list, asked } = listOver([row(first), row(first + 2)], first);
    await list.refresh();
    await list.refresh();
    expect(asked.at(-1)).toEqual([first + 1]);
    expect(list.rowOf(`0x${first + 2}`)).toMatchObject({ userId: `u${first + 2}` });
  });

  it('picks up a lower index that commits after a higher one was read', async () => {
    const committed = [row(0), row(2)];
    const { list } = listOver(committed);
    await list.refresh();
    expect(list.userOf('0x1')).toBeUndefined();
    committed.push(row(1));
    await list.refresh();
    expect(list.userOf('0x1')).toBe('u1');
    expect(list.userOf('0x2')).toBe('u2');
  });

  it('stops asking for an index that was never used once it is old', async () => {
    const { list, asked, advance } = listOver([row(0), row(2)]);
    await list.refresh();
    await list.refresh();
    expect(asked.at(-1)).toEqual([1]);
    advance(11 * 60_000);
    await list.refresh();
    await list.refresh();
    expect(asked.at(-1)).toEqual([]);
  });
});
