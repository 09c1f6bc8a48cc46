/**
 * Ether moved by inner calls (a Safe paying out, a batch payout, a constructor passing its value on): which frames of
 * a `callTracer` trace count, how each is keyed, which blocks are traced, and what a node that cannot trace does.
 */
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../platform/log.js';
import { RangeChangedError, type ScannedBlock, type ScannedTransaction } from '../../chains/evm/block-scanner.js';
import { internalTransfers, INTERNAL_TRANSFER_INDEX, type CallFrame } from '../../chains/evm/listener/internal-transfers.js';
import { InternalTransferScan, untraceableReason } from '../../chains/evm/listener/internal-transfer-scan.js';

const USER = '0x00000000000000000000000000000000000000d1';
const frame = (type: string, to: string, value?: bigint, more: Partial<CallFrame> = {}): CallFrame => ({
  type,
  from: '0x00000000000000000000000000000000000000c0',
  to,
  ...(value === undefined ? {} : { value: `0x${value.toString(16)}` }),
  ...more,
});

/** A Safe's execTransaction paying USER: the proxy delegates (with the call's value shown) and its singleton pays. */
const safePayment: CallFrame = frame('CALL', '0xsafe', 0n, {
  calls: [
    frame('DELEGATECALL', '0xsingleton', 7n, {
      calls: [frame('STATICCALL', '0xguard'), frame('CALL', USER.toUpperCase().replace('0X', '0x'), 5n * 10n ** 16n)],
    }),
  ],
});

/** A batch payout: paid, reverted (with what it paid inside), a CALLCODE, an empty call, a self-destruct. */
const batchPayout: CallFrame = frame('CALL', '0xpayout', 9n, {
  calls: [
    frame('CALL', '0xa1', 1n),
    frame('CALL', '0xb2', 2n, { error: 'execution reverted', calls: [frame('CALL', '0xc3', 2n)] }),
    frame('CALLCODE', '0xd4', 5n),
    frame('CALL', '0xe5', 0n),
    frame('CREATE', '0xf6', 4n, { calls: [frame('SELFDESTRUCT', '0xa7', 4n)] }),
  ],
});

describe('internal transfers in a call trace', () => {
  it('counts a CALL carrying value below the transaction’s own call, by its position in the trace', () => {
    expect(internalTransfers(safePayment)).toEqual([
      { position: 3, from: '0x00000000000000000000000000000000000000c0', to: USER, value: 5n * 10n ** 16n },
    ]);
  });

  it('leaves out failed frames and what they paid, CALLCODE, DELEGATECALL, empty calls and the top-level value', () => {
    expect(internalTransfers(batchPayout).map((t) => [t.position, t.to, t.value])).toEqual([
      [1, '0xa1', 1n],
      [7, '0xa7', 4n], // the self-destruct's beneficiary receives the balance
    ]);
  });

  it('counts nothing of a transaction that failed', () => {
    expect(internalTransfers({ ...batchPayout, error: 'out of gas' })).toEqual([]);
  });
});

const tx = (hash: string, to: string | null): ScannedTransaction => ({ hash, from: '0xf0', to, value: 1n });
const block = (n: number, transactions: ScannedTransaction[]): ScannedBlock => ({
  number: BigInt(n),
  hash: `0xb${n}`,
  parentHash: `0xb${n - 1}`,
  transactions,
  tokenTransfers: [],
});
const ours = new Set([USER, '0xtoken']);
const mayRunCode = (t: ScannedTransaction) => t.to === null || !ours.has(t.to);

/** A node answering traces from `traces` (block hash → each transaction's), or refusing, recording what it was asked. */
function node(traces: Map<string, Array<{ txHash?: string; result: CallFrame }>>) {
  const asked: string[] = [];
  let answer: 'traces' | 'refuse' | 'fail' = 'traces';
  const send = async (method: string, [hash]: [string]) => {
    asked.push(`${method} ${hash}`);
    if (answer === 'refuse') throw { error: { code: -32601, message: 'Method not found' } };
    if (answer === 'fail') throw new Error('socket hang up');
    return traces.get(hash) ?? null;
  };
  return { provider: { send } as never, asked, answer: (a: typeof answer) => (answer = a) };
}

function scanner(provider: never, enabled = true) {
  const logged: string[] = [];
  const alerts: string[] = [];
  const log = {
    warn: (_: unknown, m: string) => logged.push(`warn ${m}`),
    info: (_: unknown, m: string) => logged.push(`info ${m}`),
  };
  const scan = new InternalTransferScan({
    provider,
    log: log as unknown as Logger,
    enabled,
    onUntraceable: async (fromBlock, reason) => void alerts.push(`${fromBlock} ${reason}`),
  });
  return { scan, logged, alerts };
}

describe('the listener’s internal transfer scan', () => {
  const plain = block(1, [tx('0x11', USER), tx('0x12', '0xtoken')]);
  const payouts = block(2, [tx('0x21', USER), tx('0x22', '0xpayout'), tx('0x23', null)]);
  const traces = new Map([
    [
      '0xb2',
      [
        { result: frame('CALL', USER, 1n) },
        { txHash: '0x22', result: batchPayout },
        { txHash: '0x23', result: frame('CREATE', '0xnew', 3n, { calls: [frame('CALL', USER, 3n)] }) },
      ],
    ],
  ]);

  it('traces only blocks with a transaction that may run code, and keys each transfer past any log index', async () => {
    const { provider, asked } = node(traces);
    const found = await scanner(provider).scan.find([plain, payouts], mayRunCode);
    expect(asked).toEqual(['debug_traceBlockByHash 0xb2']);
    expect(found.get('0xb1')).toBeUndefined();
    expect(found.get('0xb2')).toEqual([
      { txHash: '0x22', eventIndex: INTERNAL_TRANSFER_INDEX + 1, from: expect.any(String), to: '0xa1', value: 1n },
      { txHash: '0x22', eventIndex: INTERNAL_TRANSFER_INDEX + 7, from: expect.any(String), to: '0xa7', value: 4n },
      { txHash: '0x23', eventIndex: INTERNAL_TRANSFER_INDEX + 1, from: expect.any(String), to: USER, value: 3n },
    ]);
  });

  it('asks nothing when switched off', async () => {
    const { provider, asked } = node(traces);
    expect((await scanner(provider, false).scan.find([payouts], mayRunCode)).size).toBe(0);
    expect(asked).toEqual([]);
  });

  it('warns and alerts once while the node refuses, keeps going without internal transfers, and notes its recovery', async () => {
    const { provider, answer } = node(traces);
    const { scan, logged, alerts } = scanner(provider);
    answer('refuse');
    expect((await scan.find([payouts], mayRunCode)).size).toBe(0);
    expect((await scan.find([block(3, [tx('0x31', '0xpayout')])], mayRunCode)).size).toBe(0);
    expect(alerts).toEqual(['2 -32601 Method not found']);
    expect(logged).toEqual([expect.stringMatching(/^warn the EVM node does not trace blocks.*EVM_TRACE_INTERNAL=false/)]);

    answer('traces');
    expect((await scan.find([payouts], mayRunCode)).get('0xb2')).toHaveLength(3);
    expect(logged[1]).toBe('info the EVM node traces blocks again');
    answer('refuse');
    await scan.find([payouts], mayRunCode);
    expect(alerts).toHaveLength(2);
  });

  it('takes a transaction the node could not trace (its state gone) as a block it cannot trace', async () => {
    const gone = new Map([['0xb2', traces.get('0xb2')!.map((t) => ({ txHash: t.txHash, error: 'Resource not found' }))]]);
    const { scan, alerts } = scanner(node(gone as never).provider);
    expect((await scan.find([plain, payouts], mayRunCode)).size).toBe(0);
    expect(alerts).toEqual(['2 0x22: Resource not found']);
  });

  it('fails the round on any other failure, or a trace that is not of the block read', async () => {
    const { provider, answer } = node(traces);
    answer('fail');
    await expect(scanner(provider).scan.find([payouts], mayRunCode)).rejects.toThrow('socket hang up');
    const shuffled = new Map([['0xb2', [traces.get('0xb2')![1]!, traces.get('0xb2')![0]!, traces.get('0xb2')![2]!]]]);
    await expect(scanner(node(shuffled).provider).scan.find([payouts], mayRunCode)).rejects.toThrow(RangeChangedError);
    await expect(scanner(node(new Map()).provider).scan.find([payouts], mayRunCode)).rejects.toThrow(RangeChangedError);
  });

  it('tells a node that cannot trace from a failed call', () => {
    const geth = {
      code: 'UNSUPPORTED_OPERATION',
      info: { error: { code: -32000, message: 'the method debug_traceBlockByHash does not exist/is not available' } },
    };
    expect(untraceableReason(geth)).toMatch(/does not exist/);
    expect(untraceableReason({ error: { code: -32004, message: 'Method not supported' } })).not.toBeNull();
    const pruned = { error: { code: -32000, message: 'required historical state unavailable (reexec=128)' } };
    expect(untraceableReason(pruned)).toMatch(/historical state/);
    expect(untraceableReason({ error: { code: -32001, message: 'Resource not found' } })).toBeNull(); // anvil: no such block
    expect(untraceableReason({ code: 'UNSUPPORTED_OPERATION', operation: 'debug_traceBlockByHash' })).toBeNull(); // provider destroyed
    expect(untraceableReason(new Error('timeout'))).toBeNull();
  });
});
