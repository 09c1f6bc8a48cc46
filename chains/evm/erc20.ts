/** The slice of ERC-20 Sluice uses: `Transfer` logs (deposits) and `transfer` calls (sweeps). */
import { Interface, getAddress, type Log } from 'ethers';

const erc20 = new Interface([
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address owner) view returns (uint256)',
]);

export const TRANSFER_TOPIC = erc20.getEvent('Transfer')!.topicHash;

export interface TokenTransfer {
  token: string;
  from: string;
  to: string;
  value: bigint;
}

/** A `Transfer(from, to, value)` log, addresses lowercase; null for anything else (another event, a malformed log). */
export function parseTransferLog(log: Pick<Log, 'address' | 'topics' | 'data'>): TokenTransfer | null {
  if (log.topics[0] !== TRANSFER_TOPIC || log.topics.length !== 3) return null;
  try {
    const parsed = erc20.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return null;
    return {
      token: log.address.toLowerCase(),
      from: (parsed.args[0] as string).toLowerCase(),
      to: (parsed.args[1] as string).toLowerCase(),
      value: parsed.args[2] as bigint,
    };
  } catch {
    return null;
  }
}

export function encodeTransfer(to: string, value: bigint): string {
  return erc20.encodeFunctionData('transfer', [getAddress(to), value]);
}

export function encodeBalanceOf(owner: string): string {
  return erc20.encodeFunctionData('balanceOf', [getAddress(owner)]);
}

export function decodeBalance(result: string): bigint {
  return erc20.decodeFunctionResult('balanceOf', result)[0] as bigint;
}
