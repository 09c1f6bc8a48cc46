/** Reading real mainnet Payments off the wire (stream, account_tx and tx, API v1 and v2), and the deposit rule. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hashes } from 'xrpl';
import {
  fromAccountTxEntry,
  fromStreamMessage,
  fromTxAnswer,
  MalformedTransaction,
  paymentOf,
} from '../../chains/xrpl/payments.js';
import { depositDecision, type XrplPayment } from '../../domain/xrpl-tracking/payments.js';

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../fixtures/xrpl/${name}`, import.meta.url), 'utf8'));

/** The v2 partial XRP payment fixture as an envelope (account_tx entry or tx answer) carries it. */
function v2PartialXrp() {
  const xrp = fixture('partialPaymentXRP.json');
  return { ...xrp, hash: xrp.tx_json.hash, ledger_index: 22420532, close_time_iso: '2016-05-20T10:00:00Z', validated: true };
}

describe('reading XRPL payments', () => {
  it('reads a v1 stream partial payment by what it delivered, not by Amount', () => {
    const message = fixture('streams-partialPaymentTransaction.json');
    // rippled sends the hash with every transaction; this recording lost it, so it is recomputed from the signed fields
    const { date: _date, ...signed } = message.transaction;
    message.transaction.hash = hashes.hashSignedTx(signed);
    const payment = paymentOf(fromStreamMessage(message))!;
    expect(payment).toEqual({
      hash: 'E0FBA7CF136933B30167BF3B92614FF1C843EF4E0E41B7369B38185D004FA956',
      ledgerIndex: 66093882,
      transactionIndex: 0,
      closeTime: new Date('2021-10-07T21:06:12Z'),
      source: 'rrvV6w5Jho4RYpcdH8x1subhYzK89DZDW',
      destination: 'rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe',
      destinationTag: null,
      sourceTag: null,
      result: 'tesSUCCESS',
      partial: true,
      delivered: { kind: 'xrp', drops: 4456n },
    });
    expect(message.transaction.Amount).toBe('1000000000000000');
  });

  it('reads v2 shapes (tx_json, DeliverMax, close_time_iso) for XRP and issued-currency partial payments', () => {
    expect(paymentOf(fromAccountTxEntry(v2PartialXrp()))).toMatchObject({
      hash: 'A0A074D10355223CBE2520A42F93A52E3CC8B4D692570EB4841084F9BBB39F7A',
      ledgerIndex: 22420532,
      closeTime: new Date('2016-05-20T10:00:00Z'),
      partial: true,
      delivered: { kind: 'xrp', drops: 1_000_000n },
    });
    const iou = fixture('partialPaymentIOU.json');
    expect(
      paymentOf(fromAccountTxEntry({ ...iou, ledger_index: 22420532, close_time_iso: '2016-05-20T10:00:00Z', validated: true })),
    ).toMatchObject({
      partial: true,
      delivered: { kind: 'issued', currency: 'USD', issuer: 'rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B', value: '9.980039920159681' },
    });
  });

  it('reads v1 account_tx entries (tx with hash and date in Ripple time)', () => {
    const real = fixture('payment-xrp-38129.json');
    const payment = paymentOf(
      fromAccountTxEntry({ tx: { ...real.tx, date: real.close_time, ledger_index: 38129 }, meta: real.meta, validated: true }),
    )!;
    expect(payment).toMatchObject({
      hash: '3B1A4E1C9BB6A7208EB146BCDB86ECEA6068ED01466D933528CA2B4C64F753EF',
      ledgerIndex: 38129,
      source: 'r3kmLJN5D28dHuH8vZNUZpMC43pEHpaocV',
      destination: 'rLQBHVhFnaC5gLEkgr6HgBJJ3bgeZHg9cj',
      partial: false,
      // this record of 2013 has no delivered_amount: what arrived is unknown, whatever its Amount says
      delivered: null,
    });
    expect(payment.closeTime.toISOString()).toBe(new Date((real.close_time + 946_684_800) * 1000).toISOString());
  });

  it('reads tx answers: v2 has tx_json beside hash and meta, v1 the transaction at its top level', () => {
    expect(paymentOf(fromTxAnswer(v2PartialXrp()))).toMatchObject({
      hash: 'A0A074D10355223CBE2520A42F93A52E3CC8B4D692570EB4841084F9BBB39F7A',
      delivered: { kind: 'xrp', drops: 1_000_000n },
    });
    const real = fixture('payment-xrp-38129.json');
    const meta = { ...real.meta, delivered_amount: '2500000' };
    const v1 = { ...real.tx, date: real.close_time, ledger_index: 38129, meta, validated: true };
    expect(paymentOf(fromTxAnswer(v1))).toMatchObject({
      hash: '3B1A4E1C9BB6A7208EB146BCDB86ECEA6068ED01466D933528CA2B4C64F753EF',
      destination: 'rLQBHVhFnaC5gLEkgr6HgBJJ3bgeZHg9cj',
      delivered: { kind: 'xrp', drops: 2_500_000n },
    });
    expect(paymentOf(fromTxAnswer({ ...v1, validated: false }))).toBeNull();
  });

  it('keeps a failed payment with its result and nothing delivered', () => {
    const failed = fixture('payments-7501326.json').payments.find((p: Json) => p.meta.TransactionResult === 'tecPATH_DRY');
    const payment = paymentOf(
      fromAccountTxEntry({ tx: { ...failed.tx, date: 0, ledger_index: 7501326 }, meta: failed.meta, validated: true }),
    )!;
    expect(payment).toMatchObject({ result: 'tecPATH_DRY', delivered: null, partial: false });
  });

  it('reads destination and source tags; an "unavailable" delivered amount is unknown, never Amount, partial or not', () => {
    const real = fixture('payment-xrp-38129.json');
    const tx = { ...real.tx, DestinationTag: 4_294_967_295, SourceTag: 7, date: 1, ledger_index: 38129 };
    const unavailable = { ...real.meta, delivered_amount: 'unavailable' };
    expect(paymentOf(fromAccountTxEntry({ tx, meta: unavailable, validated: true }))).toMatchObject({
      destinationTag: 4_294_967_295n,
      sourceTag: 7n,
      partial: false,
      delivered: null,
    });
    const partial = { ...tx, Flags: 0x20000 };
    expect(paymentOf(fromAccountTxEntry({ tx: partial, meta: unavailable, validated: true }))!.delivered).toBeNull();
    // DeliveredAmount, the ledger's own field, counts where the server adds no delivered_amount
    const recorded = { ...real.meta, DeliveredAmount: '4456' };
    expect(paymentOf(fromAccountTxEntry({ tx: partial, meta: recorded, validated: true }))!.delivered).toEqual({
      kind: 'xrp',
      drops: 4456n,
    });
  });

  it('ignores what is not a validated Payment, and refuses what cannot be read', () => {
    expect(paymentOf(fromStreamMessage(fixture('streams-transaction.json')))).toBeNull();
    for (const entry of fixture('accountTx.json').result.transactions) expect(paymentOf(fromAccountTxEntry(entry))).toBeNull();
    const real = fixture('payment-xrp-38129.json');
    expect(
      paymentOf(fromAccountTxEntry({ tx: { ...real.tx, date: 1, ledger_index: 5 }, meta: real.meta, validated: false })),
    ).toBeNull();
    const bad =
      (tx: Json, meta: Json = real.meta) =>
      () =>
        paymentOf(fromAccountTxEntry({ tx: { date: 1, ledger_index: 5, ...tx }, meta, validated: true }));
    expect(bad({ ...real.tx, hash: 'nope' })).toThrow(MalformedTransaction);
    expect(bad({ ...real.tx, DestinationTag: -1 })).toThrow(MalformedTransaction);
    expect(bad(real.tx, { ...real.meta, delivered_amount: '1.5' })).toThrow(MalformedTransaction);
    expect(bad({ ...real.tx, ledger_index: undefined })).toThrow(MalformedTransaction);
    expect(() => fromStreamMessage({ type: 'transaction' })).toThrow(MalformedTransaction);
  });
});

describe('deposit decision', () => {
  const DEPOSIT = 'rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe';
  const owners = new Map([[1_234_567n, 'user-1']]);
  const decide = (p: Partial<XrplPayment>) =>
    depositDecision(
      {
        destination: DEPOSIT,
        destinationTag: 1_234_567n,
        result: 'tesSUCCESS',
        delivered: { kind: 'xrp', drops: 25_000_000n },
        ...p,
      },
      (a) => a === DEPOSIT,
      (tag) => owners.get(tag),
    );

  it("credits XRP delivered to the deposit address with a known tag to the tag's owner", () => {
    expect(decide({})).toEqual({ status: 'matched', userId: 'user-1', drops: 25_000_000n });
  });

  it('flags an unknown or missing tag, an issued currency or an unknown amount, and never credits them', () => {
    expect(decide({ destinationTag: 999n })).toEqual({ status: 'unknown_tag' });
    expect(decide({ destinationTag: null })).toEqual({ status: 'missing_tag' });
    expect(decide({ delivered: { kind: 'issued', currency: 'USD', issuer: 'rX', value: '5' } })).toEqual({ status: 'not_xrp' });
    expect(decide({ delivered: { kind: 'mpt', mptIssuanceId: '00', value: '5' } })).toEqual({ status: 'not_xrp' });
    expect(decide({ delivered: null })).toEqual({ status: 'unknown_amount' });
  });

  it("is none of the deposits' business when not to a deposit address, failed, or empty", () => {
    expect(decide({ destination: 'rGFuMiw48HdbnrUbkRYuitXTmfrDBNTCnX' })).toBeNull();
    expect(decide({ result: 'tecPATH_DRY', delivered: null })).toBeNull();
    expect(decide({ delivered: { kind: 'xrp', drops: 0n } })).toBeNull();
  });
});
