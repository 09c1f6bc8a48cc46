/**
 * XRP delivered other than by Payment, for the rippled test double: the transactions of test/fixtures/xrpl/deliveries.json
 * moved to the test's accounts, tag and amount (the receiver's balance and the ledger entries with them).
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { randomHash, type LedgerTransaction, type Parties } from './payments.js';

type Json = Record<string, any>;
const fixtures: Record<string, Json> = JSON.parse(
  readFileSync(new URL('../../fixtures/xrpl/deliveries.json', import.meta.url), 'utf8'),
);

/** The fixture with its accounts replaced, a new hash and sequence, and no ledger fields (the double sets them). */
function moved(name: string, accounts: Record<string, string>): LedgerTransaction {
  let text = JSON.stringify(fixtures[name]);
  for (const [from, to] of Object.entries(accounts)) text = text.replaceAll(from, to);
  const { tx, meta } = JSON.parse(text) as { tx: Json; meta: Json };
  for (const field of ['date', 'ledger_index', 'inLedger']) delete tx[field];
  return { tx: { ...tx, hash: randomHash(), Sequence: randomInt(1, 2 ** 31) }, meta };
}

const entryOf = (t: LedgerTransaction, type: string): Json =>
  (t.meta.AffectedNodes as Json[]).map((n) => n.DeletedNode ?? n.ModifiedNode).find((n) => n.LedgerEntryType === type)
    .FinalFields;

/** The receiver's AccountRoot rises by `drops`. */
function rise(t: LedgerTransaction, account: string, drops: bigint): LedgerTransaction {
  const root = (t.meta.AffectedNodes as Json[])
    .map((n) => n.ModifiedNode)
    .find((n) => n?.LedgerEntryType === 'AccountRoot' && n.FinalFields.Account === account);
  root.FinalFields.Balance = (BigInt(root.PreviousFields.Balance) + drops).toString();
  return t;
}

const withTag = (fields: Json, tag: number | undefined) => {
  if (tag === undefined) delete fields.DestinationTag;
  else fields.DestinationTag = tag;
};

/** The escrow's owner (`from`) finishes it; its whole amount goes to `to`, under the escrow's tag. */
export function escrowFinished(p: Parties & { drops: bigint }): LedgerTransaction {
  const t = moved('escrowFinish', { rMYPppnVNQ7crMizv8D6wF45kYuSupygyr: p.from, rMhV8zfKJRqEspcayRfqa4FuzQg8kW5LdB: p.to });
  const escrow = entryOf(t, 'Escrow');
  escrow.Amount = p.drops.toString();
  withTag(escrow, p.tag);
  return rise(t, p.to, p.drops);
}

/** The channel's owner (`from`) claims `drops` more for its destination `to`, under the channel's tag. */
export function channelClaimed(p: Parties & { drops: bigint }): LedgerTransaction {
  const t = moved('paymentChannelClaim', {
    rf1BiGeXwwQoi8Z2ueFYTEXSwuJYfV2Jpn: p.from,
    rN7n7otQDd6FczFgLdSqtcsAUxDkw6fzRH: p.to,
  });
  const channel = entryOf(t, 'PayChannel');
  withTag(channel, p.tag);
  channel.Balance = (1_000_000n + p.drops).toString();
  return rise(t, p.to, p.drops);
}

/** `to` cashes a check `from` wrote to it for `drops`, under the check's tag (the casher pays the 12-drop fee). */
export function checkCashed(p: Parties & { drops: bigint }): LedgerTransaction {
  const t = moved('checkCash', { rBXsgNkPcDN2runsvWmwxk3Lh97zdgo9za: p.from, rfkE1aSy9G8Upk4JssnwBxhEv5p4mn2KTy: p.to });
  const check = entryOf(t, 'Check');
  withTag(check, p.tag);
  check.SendMax = t.tx.Amount = t.meta.DeliveredAmount = t.meta.delivered_amount = p.drops.toString();
  return rise(t, p.to, p.drops - 12n);
}

/** `from` deletes itself; what is left of its balance, `drops`, goes to `to` under the transaction's tag. */
export function accountDeleted(p: Parties & { drops: bigint }): LedgerTransaction {
  const t = moved('accountDelete', { rWYkbWkCeg8dP6rXALnjgZSjjLyih5NXm: p.from, rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe: p.to });
  withTag(t.tx, p.tag);
  t.meta.DeliveredAmount = t.meta.delivered_amount = p.drops.toString();
  return rise(t, p.to, p.drops);
}
