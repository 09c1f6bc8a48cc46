/**
 * XRP delivered by transactions other than Payment (escrow finished, channel claimed, check cashed, account deleted):
 * read into payment records with the receiver, tag and amount the ledger records, never what the submitter asked for.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transferOf } from '../../chains/xrpl/deliveries.js';
import { fromAccountTxEntry, fromStreamMessage, paymentOf } from '../../chains/xrpl/payments.js';

type Json = Record<string, any>;
const deliveries: Record<string, Json> = JSON.parse(
  readFileSync(new URL('../fixtures/xrpl/deliveries.json', import.meta.url), 'utf8'),
);
const entry = (name: string): Json => structuredClone(deliveries[name]!);
const read = (e: Json) => transferOf(fromAccountTxEntry(e));
const accountRoot = (e: Json, account: string): Json =>
  e.meta.AffectedNodes.find(
    (n: Json) => n.ModifiedNode?.FinalFields?.Account === account && n.ModifiedNode.LedgerEntryType === 'AccountRoot',
  ).ModifiedNode;

describe('XRP delivered by other transaction types', () => {
  it("reads a finished escrow as the escrow's owner paying its Destination what its balance rose by", () => {
    const escrow = entry('escrowFinish');
    expect(read(escrow)).toEqual({
      hash: '1A76D4BA47A53A66B539D4BD4C30826A5E51C78D0B7344758EACAC77A6753C3C',
      ledgerIndex: 34308432,
      transactionIndex: 3,
      closeTime: new Date((560291270 + 946_684_800) * 1000),
      source: 'rMYPppnVNQ7crMizv8D6wF45kYuSupygyr',
      destination: 'rMhV8zfKJRqEspcayRfqa4FuzQg8kW5LdB',
      destinationTag: null,
      sourceTag: null,
      result: 'tesSUCCESS',
      partial: false,
      delivered: { kind: 'xrp', drops: 48_500_000n },
    });
    // the tags are the escrow's (its EscrowCreate's), kept on the deleted Escrow entry
    escrow.meta.AffectedNodes[1].DeletedNode.FinalFields.DestinationTag = 4_000_000_001;
    expect(read(escrow)).toMatchObject({ destinationTag: 4_000_000_001n });
  });

  it('counts the fee back when the receiver submitted the finish itself', () => {
    const escrow = entry('escrowFinish');
    escrow.tx.Account = 'rMhV8zfKJRqEspcayRfqa4FuzQg8kW5LdB';
    accountRoot(escrow, 'rMhV8zfKJRqEspcayRfqa4FuzQg8kW5LdB').FinalFields.Balance = String(331_379_952 - 10);
    expect(read(escrow)!.delivered).toEqual({ kind: 'xrp', drops: 48_500_000n });
  });

  it("reads a channel claim by what the Destination's balance rose, with the channel's tags, not the claim's Balance", () => {
    const claim = entry('paymentChannelClaim');
    claim.tx.Balance = '99000000'; // what the claim asks for is not what arrived
    expect(read(claim)).toMatchObject({
      source: 'rf1BiGeXwwQoi8Z2ueFYTEXSwuJYfV2Jpn',
      destination: 'rN7n7otQDd6FczFgLdSqtcsAUxDkw6fzRH',
      destinationTag: 20n,
      sourceTag: 11747n,
      delivered: { kind: 'xrp', drops: 1_500_000n },
    });
  });

  it('ignores a claim that delivered nothing (a renewal, a close request)', () => {
    const claim = entry('paymentChannelClaim');
    claim.meta.AffectedNodes = claim.meta.AffectedNodes.filter(
      (n: Json) => n.ModifiedNode?.FinalFields?.Account !== 'rN7n7otQDd6FczFgLdSqtcsAUxDkw6fzRH',
    );
    expect(read(claim)).toBeNull();
  });

  it("reads a cashed check by its DeliveredAmount, from the check's writer, with the check's destination tag", () => {
    const check = entry('checkCash');
    expect(read(check)).toMatchObject({
      source: 'rBXsgNkPcDN2runsvWmwxk3Lh97zdgo9za',
      destination: 'rfkE1aSy9G8Upk4JssnwBxhEv5p4mn2KTy',
      destinationTag: 1n,
      delivered: { kind: 'xrp', drops: 100_000_000n },
    });
    // without a DeliveredAmount (before fix1623), the casher's balance rise, its fee counted back
    delete check.meta.delivered_amount;
    delete check.meta.DeliveredAmount;
    expect(read(check)!.delivered).toEqual({ kind: 'xrp', drops: 100_000_000n });
  });

  it("reads a deleted account's balance sent to its Destination with the transaction's tag", () => {
    expect(read(entry('accountDelete'))).toMatchObject({
      source: 'rWYkbWkCeg8dP6rXALnjgZSjjLyih5NXm',
      destination: 'rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe',
      destinationTag: 13n,
      delivered: { kind: 'xrp', drops: 23_000_000n },
    });
  });

  it('reads them from the stream too, and keeps failed ones and unvalidated ones out', () => {
    const escrow = entry('escrowFinish');
    const message = { type: 'transaction', transaction: escrow.tx, meta: escrow.meta, validated: true, ledger_index: 34308432 };
    expect(transferOf(fromStreamMessage(message))).toMatchObject({ delivered: { kind: 'xrp', drops: 48_500_000n } });
    expect(transferOf(fromStreamMessage({ ...message, validated: false }))).toBeNull();
    const failed = entry('checkCash');
    failed.meta.TransactionResult = 'tecPATH_PARTIAL';
    expect(read(failed)).toBeNull();
    // an operator's payout proof still takes Payments only
    expect(paymentOf(fromAccountTxEntry(entry('accountDelete')))).toBeNull();
  });
});
