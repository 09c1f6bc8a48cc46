/**
 * Payments for the rippled test double: real mainnet Payments from test/fixtures/xrpl, varied (new hash, accounts,
 * tags, amounts) so a test can have a history of any length. Stored as rippled keeps them (API v1 field names).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encodeAccountID } from 'xrpl';

/** A transaction as the double stores it; ledger fields (ledger index, date, TransactionIndex) are set at close. */
export interface LedgerTransaction {
  tx: Record<string, unknown>;
  meta: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../../fixtures/xrpl/${name}`, import.meta.url), 'utf8'));

/** API v2 names Amount DeliverMax; the double stores v1 names and renders either. */
function v1(tx: Json): Json {
  const { DeliverMax, ...rest } = tx;
  return DeliverMax === undefined ? rest : { ...rest, Amount: DeliverMax };
}

const xrpTemplate = fixture('payment-xrp-38129.json') as { tx: Json; meta: Json };
const partialXrp = fixture('partialPaymentXRP.json') as { tx_json: Json; meta: Json };
const partialIou = fixture('partialPaymentIOU.json') as { tx_json: Json; meta: Json };
const iouTemplate = fixture('tx-payment.json').result as { tx_json: Json; meta: Json };
const failedTemplate = (fixture('payments-7501326.json').payments as Array<{ tx: Json; meta: Json }>).find(
  (p) => (p.meta.TransactionResult as string) !== 'tesSUCCESS',
)!;

export const randomHash = () => randomBytes(32).toString('hex').toUpperCase();
export const randomAddress = () => encodeAccountID(randomBytes(20));

function vary(template: { tx: Json; meta: Json }, fields: Json, meta: Json = {}): LedgerTransaction {
  const tx = structuredClone(v1(template.tx));
  for (const field of ['hash', 'date', 'ledger_index', 'inLedger', 'DestinationTag', 'SourceTag']) delete tx[field];
  const copy = structuredClone(template.meta);
  delete copy.delivered_amount;
  delete copy.DeliveredAmount;
  return {
    tx: { ...tx, Sequence: randomInt(1, 2 ** 31), hash: randomHash(), ...withoutUndefined(fields) },
    meta: { ...copy, ...meta },
  };
}

const withoutUndefined = (fields: Json) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

export interface Parties {
  from: string;
  to: string;
  tag?: number;
  sourceTag?: number;
}

/** An XRP payment that delivered all it sent. */
export function xrpPayment(p: Parties & { drops: bigint }): LedgerTransaction {
  return vary(xrpTemplate, {
    Account: p.from,
    Destination: p.to,
    Amount: p.drops.toString(),
    DestinationTag: p.tag,
    SourceTag: p.sourceTag,
  });
}

/** A partial XRP payment: tfPartialPayment, and less delivered than sent. */
export function partialXrpPayment(p: Parties & { sentDrops: bigint; deliveredDrops: bigint }): LedgerTransaction {
  return vary(
    { tx: partialXrp.tx_json, meta: partialXrp.meta },
    { Account: p.from, Destination: p.to, Amount: p.sentDrops.toString(), DestinationTag: p.tag },
    { delivered_amount: p.deliveredDrops.toString() },
  );
}

/** A partial payment of an issued currency (the real one delivered 9.980039920159681 of 10 USD). */
export function partialIssuedPayment(p: Parties): LedgerTransaction {
  return vary(
    { tx: partialIou.tx_json, meta: partialIou.meta },
    { Account: p.from, Destination: p.to, DestinationTag: p.tag },
    { delivered_amount: partialIou.meta.delivered_amount },
  );
}

/** A cross-currency payment of an issued currency that delivered all it sent. */
export function issuedPayment(p: Parties & { currency: string; issuer: string; value: string }): LedgerTransaction {
  return vary(
    { tx: iouTemplate.tx_json, meta: iouTemplate.meta },
    {
      Account: p.from,
      Destination: p.to,
      Amount: { currency: p.currency, issuer: p.issuer, value: p.value },
      DestinationTag: p.tag,
    },
  );
}

/** A payment that failed (tecPATH_DRY): validated, fee burnt, nothing delivered. */
export function failedPayment(p: Parties): LedgerTransaction {
  return vary(failedTemplate, { Account: p.from, Destination: p.to, DestinationTag: p.tag });
}

/** Classic addresses for tests: real mainnet accounts from the fixtures and well-known ones. */
export const ADDRESSES = {
  alice: 'rGFuMiw48HdbnrUbkRYuitXTmfrDBNTCnX',
  bob: 'rNNuQMuExCiEjeZ4h9JJnj5PSWypdMXDj4',
  carol: 'rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe',
  dave: 'rrvV6w5Jho4RYpcdH8x1subhYzK89DZDW',
  erin: 'r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59',
  frank: 'rMH4UxPrbuMa1spCBR98hLLyNJp4d8p4tM',
  grace: 'rf1BiGeXwwQoi8Z2ueFYTEXSwuJYfV2Jpn',
  heidi: 'ra5nK24KXen9AHvsdFTKHSANinZseWnPcX',
  ivan: 'r3kmLJN5D28dHuH8vZNUZpMC43pEHpaocV',
  judy: 'rLQBHVhFnaC5gLEkgr6HgBJJ3bgeZHg9cj',
  mallory: 'rnruxxLTbJUMNtFNBJ7X2xSiy1KE7ajUuH',
  issuer: 'rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B',
} as const;
