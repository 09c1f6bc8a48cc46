/**
 * A rippled test double: a websocket server speaking rippled's JSON protocol to the real xrpl.js client —
 * server_info, server_state, ping, ledger, subscribe/unsubscribe (accounts, ledger stream), account_tx with markers,
 * in API v1 and v2 shapes, and for payouts account_info (at a closed ledger too), submit and tx over funded accounts —
 * over a chain of ledgers that tests close one by one. Tests can drop every connection, refuse new ones for a while,
 * and keep closing ledgers meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode, hashes, isValidClassicAddress, verifySignature } from 'xrpl';
import { WebSocket, WebSocketServer } from 'ws';
import type { LedgerTransaction } from './payments.js';

type Json = Record<string, unknown>;

const RIPPLE_EPOCH_OFFSET = 946_684_800;
const DEFAULT_ACCOUNT_TX_LIMIT = 200;
const MAX_ACCOUNT_TX_LIMIT = 400;

interface StoredTransaction {
  ledgerIndex: number;
  transactionIndex: number;
  ledgerHash: string;
  closeTime: number;
  tx: Json;
  meta: Json;
  rendered: Map<number, Json>;
}

interface ClosedLedger {
  index: number;
  hash: string;
  closeTime: number;
  transactions: StoredTransaction[];
  /** The funded accounts as this ledger closed: account_info at its index answers from here. */
  accounts: Map<string, FundedAccount>;
}

interface Session {
  socket: WebSocket;
  accounts: Set<string>;
  ledgerStream: boolean;
  apiVersion: number;
}

class RippledError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeRippledOptions {
  /** The ledger the chain starts after. */
  firstLedger?: number;
  /** A fixed port (a test that starts its client before the server); a free one otherwise. */
  port?: number;
  /** Called as each transaction is sent on the stream (benchmarks measure latency from here). */
  onPublish?: (hash: string) => void;
}

const BASE_FEE = 10;
const RESERVE_BASE = 1_000_000n;
const RESERVE_INC = 200_000n;

interface FundedAccount {
  balance: bigint;
  /** The next sequence, counting submitted transactions not yet in a closed ledger (rippled's current ledger). */
  sequence: number;
}

export class FakeRippled {
  readonly url: string;
  private readonly ledgers: ClosedLedger[] = [];
  private readonly funded = new Map<string, FundedAccount>();
  /** Submitted transactions that go into the next closed ledger. */
  private submitted: LedgerTransaction[] = [];
  /** What submit answers next, instead of applying (a test of a server that refuses). */
  private nextSubmitResult: string | null = null;
  /** Whether the next submit is applied with its answer lost (the connection drops before it is sent). */
  private loseNextSubmitAnswer = false;
  private readonly byAccount = new Map<string, StoredTransaction[]>();
  private readonly sessions = new Set<Session>();
  private refusing = false;
  private autoTimer: NodeJS.Timeout | null = null;
  readonly firstLedger: number;
  /** Requests received, by command. */
  readonly requests = new Map<string, number>();

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly options: FakeRippledOptions,
  ) {
    this.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    this.firstLedger = options.firstLedger ?? 90_000_000;
    this.ledgers.push({
      index: this.firstLedger,
      hash: ledgerHash(),
      closeTime: rippleNow(),
      transactions: [],
      accounts: new Map(),
    });
  }

  static async start(options: FakeRippledOptions = {}): Promise<FakeRippled> {
    const http = createServer((_req, res) => res.writeHead(426).end());
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
    const fake = new FakeRippled(http, wss, options);
    http.on('upgrade', (request, socket, head) => {
      if (fake.refusing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => fake.accept(ws));
    });
    return fake;
  }

  get validatedLedger(): number {
    return this.ledgers[this.ledgers.length - 1]!.index;
  }

  /** Open connections, and the accounts they follow. */
  get connections(): number {
    return this.sessions.size;
  }
  subscribedAccounts(): Set<string> {
    return new Set([...this.sessions].flatMap((s) => [...s.accounts]));
  }

  /** Gives an address an account with this many drops (payouts are sent from funded accounts). */
  fund(address: string, drops: bigint): void {
    const account = this.funded.get(address);
    if (account) account.balance += drops;
    else this.funded.set(address, { balance: drops, sequence: 1 });
  }

  balanceOf(address: string): bigint {
    return this.funded.get(address)?.balance ?? 0n;
  }

  /** The next submit is answered with this engine result and not applied. */
  answerNextSubmitWith(engineResult: string): void {
    this.nextSubmitResult = engineResult;
  }

  /** The next submit is applied as usual, but the connection drops before its answer goes out (a network failure). */
  loseAnswerToNextSubmit(): void {
    this.loseNextSubmitAnswer = true;
  }

  /**
   * Closes (and validates) the next ledger with these transactions and everything submitted, publishing it; unless
   * `published` is false: rippled fallen more than 100 ledgers behind jumps to the newest on its streams, and the
   * ledgers it skips are in its history (account_tx) but never streamed.
   */
  closeLedger(transactions: LedgerTransaction[] = [], { published = true } = {}): number {
    transactions = [...this.submitted.splice(0), ...transactions];
    const ledger: ClosedLedger = {
      index: this.validatedLedger + 1,
      hash: ledgerHash(),
      closeTime: rippleNow(),
      transactions: [],
      accounts: new Map([...this.funded].map(([address, account]) => [address, { ...account }])),
    };
    transactions.forEach((t, transactionIndex) => {
      const stored: StoredTransaction = {
        ledgerIndex: ledger.index,
        transactionIndex,
        ledgerHash: ledger.hash,
        closeTime: ledger.closeTime,
        tx: { ...t.tx, date: ledger.closeTime },
        meta: withDeliveredAmount(t, transactionIndex),
        rendered: new Map(),
      };
      ledger.transactions.push(stored);
      for (const account of partiesOf(t)) {
        let list = this.byAccount.get(account);
        if (!list) this.byAccount.set(account, (list = []));
        list.push(stored);
      }
    });
    this.ledgers.push(ledger);
    if (published) this.publish(ledger);
    return ledger.index;
  }

  /** Keeps closing ledgers on a timer (as the network does every ~4 s), each with what `next` returns. */
  autoClose(intervalMs: number, next: () => LedgerTransaction[] = () => []): () => void {
    this.stopAutoClose();
    this.autoTimer = setInterval(() => this.closeLedger(next()), intervalMs);
    return () => this.stopAutoClose();
  }

  stopAutoClose(): void {
    if (this.autoTimer) clearInterval(this.autoTimer);
    this.autoTimer = null;
  }

  /** Drops every open connection abruptly, as a network failure would. */
  dropConnections(): void {
    for (const session of this.sessions) session.socket.terminate();
  }

  /** While refusing, new connections are answered with HTTP 503. */
  refuseConnections(refuse: boolean): void {
    this.refusing = refuse;
  }

  async close(): Promise<void> {
    this.stopAutoClose();
    this.dropConnections();
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    const session: Session = { socket, accounts: new Set(), ledgerStream: false, apiVersion: 1 };
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('error', () => this.sessions.delete(session));
    socket.on('message', (data) => {
      let request: Json;
      try {
        request = JSON.parse(data.toString());
      } catch {
        socket.send(JSON.stringify({ type: 'error', error: 'jsonInvalid', status: 'error' }));
        return;
      }
      const command = String(request.command);
      this.requests.set(command, (this.requests.get(command) ?? 0) + 1);
      const base = {
        id: request.id,
        type: 'response',
        ...(request.api_version === undefined ? {} : { api_version: request.api_version }),
      };
      try {
        const result = this.answer(session, command, request);
        if (command === 'submit' && this.loseNextSubmitAnswer) {
          this.loseNextSubmitAnswer = false;
          socket.terminate();
          return;
        }
        socket.send(JSON.stringify({ ...base, status: 'success', result }));
      } catch (error) {
        if (!(error instanceof RippledError)) throw error;
        socket.send(JSON.stringify({ ...base, status: 'error', error: error.error, error_message: error.message, request }));
      }
    });
  }

  private answer(session: Session, command: string, request: Json): Json {
    switch (command) {
      case 'ping':
        return {};
      case 'server_info':
        return this.serverInfo();
      case 'ledger':
        return this.ledger();
      case 'subscribe':
        return this.subscribe(session, request, true);
      case 'unsubscribe':
        return this.subscribe(session, request, false);
      case 'account_tx':
        return this.accountTx(request);
      case 'server_state':
        return this.serverState();
      case 'account_info':
        return this.accountInfo(request);
      case 'submit':
        return this.submit(request);
      case 'tx':
        return this.tx(request);
      default:
        throw new RippledError('unknownCmd', 'Unknown method.');
    }
  }

  private serverInfo(): Json {
    const latest = this.ledgers[this.ledgers.length - 1]!;
    return {
      info: {
        build_version: '2.4.0',
        complete_ledgers: `${this.firstLedger}-${latest.index}`,
        hostid: 'SLUICE-TEST',
        load_factor: 1,
        peers: 21,
        server_state: 'full',
        validated_ledger: {
          age: 1,
          base_fee_xrp: 0.00001,
          hash: latest.hash,
          reserve_base_xrp: 1,
          reserve_inc_xrp: 0.2,
          seq: latest.index,
        },
        validation_quorum: 28,
      },
    };
  }

  private ledger(): Json {
    const latest = this.ledgers[this.ledgers.length - 1]!;
    return {
      ledger: {
        ledger_hash: latest.hash,
        ledger_index: String(latest.index),
        close_time: latest.closeTime,
        closed: true,
        parent_hash: this.ledgers[this.ledgers.length - 2]?.hash ?? ledgerHash(),
        transaction_hash: ledgerHash(),
        account_hash: ledgerHash(),
        total_coins: '99986000000000000',
      },
      ledger_hash: latest.hash,
      ledger_index: latest.index,
      validated: true,
    };
  }

  private subscribe(session: Session, request: Json, on: boolean): Json {
    const accounts = (request.accounts ?? []) as unknown[];
    if (!Array.isArray(accounts)) throw new RippledError('invalidParams', 'Invalid parameters.');
    for (const account of accounts) {
      if (typeof account !== 'string' || !isValidClassicAddress(account))
        throw new RippledError('actMalformed', 'Account malformed.');
    }
    const streams = (request.streams ?? []) as unknown[];
    for (const stream of streams) if (stream !== 'ledger') throw new RippledError('malformedStream', 'Stream malformed.');
    if (on && request.api_version !== undefined) session.apiVersion = Number(request.api_version);
    for (const account of accounts as string[]) {
      if (on) session.accounts.add(account);
      else session.accounts.delete(account);
    }
    if (streams.includes('ledger')) session.ledgerStream = on;
    if (!on || !streams.includes('ledger')) return {};
    const latest = this.ledgers[this.ledgers.length - 1]!;
    return {
      fee_base: 10,
      ledger_hash: latest.hash,
      ledger_index: latest.index,
      ledger_time: latest.closeTime,
      reserve_base: 1_000_000,
      reserve_inc: 200_000,
      validated_ledgers: `${this.firstLedger}-${latest.index}`,
    };
  }

  /** account_tx over validated ledgers: range, direction, limit and a marker {ledger, seq} where the next page starts. */
  private accountTx(request: Json): Json {
    const account = request.account;
    if (typeof account !== 'string' || !isValidClassicAddress(account))
      throw new RippledError('actMalformed', 'Account malformed.');
    const history = this.byAccount.get(account);
    if (!history) throw new RippledError('actNotFound', 'Account not found.');
    const validated = this.validatedLedger;
    const asked = (value: unknown, fallback: number) => (value === undefined || Number(value) === -1 ? fallback : Number(value));
    // rippled clamps the range to the ledgers it has validated
    const min = Math.max(asked(request.ledger_index_min, this.firstLedger), this.firstLedger);
    const max = Math.min(asked(request.ledger_index_max, validated), validated);
    if (min > max) throw new RippledError('lgrIdxsInvalid', 'Ledger indexes invalid.');
    const forward = request.forward === true;
    const limit = Math.min(Math.max(Number(request.limit ?? DEFAULT_ACCOUNT_TX_LIMIT), 10), MAX_ACCOUNT_TX_LIMIT);
    const inRange = history.filter((t) => t.ledgerIndex >= min && t.ledgerIndex <= max);
    if (!forward) inRange.reverse();
    let start = 0;
    const marker = request.marker as { ledger?: number; seq?: number } | undefined;
    if (marker !== undefined) {
      start = inRange.findIndex((t) => t.ledgerIndex === marker.ledger && t.transactionIndex === marker.seq);
      if (start < 0) throw new RippledError('invalidParams', "Invalid field 'marker'.");
    }
    const pageItems = inRange.slice(start, start + limit);
    const next = inRange[start + limit];
    const version = Number(request.api_version ?? 1);
    return {
      account,
      ledger_index_min: min,
      ledger_index_max: max,
      limit,
      ...(next ? { marker: { ledger: next.ledgerIndex, seq: next.transactionIndex } } : {}),
      transactions: pageItems.map((t) => accountTxEntry(t, version)),
      validated: true,
    };
  }

  private serverState(): Json {
    const latest = this.ledgers[this.ledgers.length - 1]!;
    return {
      state: {
        build_version: '2.4.0',
        complete_ledgers: `${this.firstLedger}-${latest.index}`,
        load_base: 256,
        load_factor: 256,
        server_state: 'full',
        validated_ledger: {
          base_fee: BASE_FEE,
          close_time: latest.closeTime,
          hash: latest.hash,
          reserve_base: Number(RESERVE_BASE),
          reserve_inc: Number(RESERVE_INC),
          seq: latest.index,
        },
      },
    };
  }

  private accountInfo(request: Json): Json {
    const address = request.account;
    if (typeof address !== 'string' || !isValidClassicAddress(address))
      throw new RippledError('actMalformed', 'Account malformed.');
    // a ledger by its index answers as that ledger closed; 'validated' (and 'current') with what is funded now
    const index = Number(request.ledger_index);
    const ledger = Number.isInteger(index) ? this.ledgers.find((l) => l.index === index) : undefined;
    if (Number.isInteger(index) && !ledger) throw new RippledError('lgrNotFound', 'ledgerNotFound');
    const account = (ledger?.accounts ?? this.funded).get(address);
    if (!account) throw new RippledError('actNotFound', 'Account not found.');
    return {
      account_data: {
        Account: address,
        Balance: account.balance.toString(),
        Flags: 0,
        LedgerEntryType: 'AccountRoot',
        OwnerCount: 0,
        Sequence: account.sequence,
      },
      ...(ledger ? { ledger_index: ledger.index, ledger_hash: ledger.hash } : { ledger_current_index: this.validatedLedger + 1 }),
      validated: request.ledger_index === 'validated' || ledger !== undefined,
    };
  }

  /** Checks a signed Payment as rippled would (signature, sequence, funds), and applies it at the next close. */
  private submit(request: Json): Json {
    if (typeof request.tx_blob !== 'string') throw new RippledError('invalidParams', "Missing field 'tx_blob'.");
    const tx = decode(request.tx_blob) as Json;
    const hash = hashes.hashSignedTx(request.tx_blob);
    const answer = (engine_result: string, message: string) => ({
      engine_result,
      engine_result_message: message,
      tx_blob: request.tx_blob,
      tx_json: { ...tx, hash },
      accepted: engine_result === 'tesSUCCESS',
    });
    if (this.nextSubmitResult) {
      const result = this.nextSubmitResult;
      this.nextSubmitResult = null;
      return answer(result, 'Answered as the test asked.');
    }
    if (!verifySignature(request.tx_blob)) return answer('temINVALID', 'The transaction is ill-formed.');
    if (tx.TransactionType !== 'Payment' || typeof tx.Amount !== 'string')
      return answer('temBAD_AMOUNT', 'Only XRP payments are supported here.');
    const account = this.funded.get(tx.Account as string);
    if (!account) return answer('terNO_ACCOUNT', 'The source account does not exist.');
    if (
      this.submitted.some((t) => t.tx.hash === hash) ||
      this.ledgers.some((l) => l.transactions.some((t) => t.tx.hash === hash))
    ) {
      return answer('tefALREADY', 'The exact transaction was already in this ledger.');
    }
    const sequence = Number(tx.Sequence);
    if (sequence < account.sequence) return answer('tefPAST_SEQ', 'This sequence number has already passed.');
    if (sequence > account.sequence) return answer('terPRE_SEQ', 'Missing/inapplicable prior transaction.');
    if (Number(tx.LastLedgerSequence) <= this.validatedLedger) return answer('tefMAX_LEDGER', 'Ledger sequence too high.');
    const amount = BigInt(tx.Amount as string);
    const fee = BigInt(tx.Fee as string);
    account.sequence += 1;
    const funded = account.balance - RESERVE_BASE >= amount + fee;
    account.balance -= fee + (funded ? amount : 0n);
    if (funded) this.fund(tx.Destination as string, amount);
    this.submitted.push({
      tx: { ...tx, hash },
      meta: {
        TransactionResult: funded ? 'tesSUCCESS' : 'tecUNFUNDED_PAYMENT',
        ...(funded ? { delivered_amount: tx.Amount } : {}),
        AffectedNodes: [],
      },
    });
    return answer(
      funded ? 'tesSUCCESS' : 'tecUNFUNDED_PAYMENT',
      funded ? 'The transaction was applied. Only final in a validated ledger.' : 'Insufficient XRP balance to send.',
    );
  }

  /** A transaction by hash, once it is in a closed ledger (validated: this double closes only validated ledgers). */
  private tx(request: Json): Json {
    for (const ledger of this.ledgers) {
      const found = ledger.transactions.find((t) => t.tx.hash === request.transaction);
      if (found) return { ...found.tx, meta: found.meta, ledger_index: found.ledgerIndex, validated: true };
    }
    throw new RippledError('txnNotFound', 'Transaction not found.');
  }

  /** ledgerClosed first, then the ledger's transactions to the accounts' subscribers, as rippled publishes them. */
  private publish(ledger: ClosedLedger): void {
    const closed = JSON.stringify({
      type: 'ledgerClosed',
      fee_base: 10,
      ledger_hash: ledger.hash,
      ledger_index: ledger.index,
      ledger_time: ledger.closeTime,
      reserve_base: 1_000_000,
      reserve_inc: 200_000,
      txn_count: ledger.transactions.length,
      validated_ledgers: `${this.firstLedger}-${ledger.index}`,
    });
    for (const session of this.sessions) if (session.ledgerStream) session.socket.send(closed);
    for (const t of ledger.transactions) {
      const parties = partiesOf(t);
      let sent = false;
      for (const session of this.sessions) {
        if (![...parties].some((a) => session.accounts.has(a))) continue;
        session.socket.send(streamMessage(t, session.apiVersion));
        sent = true;
      }
      if (sent) this.options.onPublish?.(t.tx.hash as string);
    }
  }
}

const rippleNow = () => Math.floor(Date.now() / 1000) - RIPPLE_EPOCH_OFFSET;
const ledgerHash = () => randomBytes(32).toString('hex').toUpperCase();
const closeTimeIso = (t: StoredTransaction) =>
  new Date((t.closeTime + RIPPLE_EPOCH_OFFSET) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The accounts a transaction concerns, as rippled indexes them for account_tx and the accounts stream: its sender and
 * destination, and for other types every account whose AccountRoot it changed (an escrow's receiver, a deleted
 * account's heir). The double's Payments keep their template's metadata, whose accounts are not theirs.
 */
function partiesOf(t: LedgerTransaction): Set<string> {
  const parties = new Set([t.tx.Account as string, t.tx.Destination as string].filter((a) => typeof a === 'string'));
  if (t.tx.TransactionType === 'Payment') return parties;
  for (const node of (t.meta.AffectedNodes as Json[] | undefined) ?? []) {
    const changed = (node.ModifiedNode ?? node.DeletedNode ?? node.CreatedNode) as Json | undefined;
    const fields = (changed?.FinalFields ?? changed?.NewFields) as Json | undefined;
    if (changed?.LedgerEntryType === 'AccountRoot' && typeof fields?.Account === 'string') parties.add(fields.Account);
  }
  return parties;
}

/** What rippled adds to a Payment's metadata in every answer: what was delivered (Amount unless it says otherwise). */
function withDeliveredAmount(t: LedgerTransaction, transactionIndex: number): Json {
  const meta: Json = { ...t.meta, TransactionIndex: transactionIndex };
  if (t.tx.TransactionType === 'Payment' && meta.TransactionResult === 'tesSUCCESS' && meta.delivered_amount === undefined) {
    meta.delivered_amount = meta.DeliveredAmount ?? t.tx.Amount;
  }
  return meta;
}

/** API v2 renames Amount to DeliverMax and moves hash and ledger fields beside tx_json. */
function txJson(t: StoredTransaction): Json {
  const { hash: _hash, Amount, ...rest } = t.tx;
  return { ...rest, ...(t.tx.TransactionType === 'Payment' ? { DeliverMax: Amount } : { Amount }), ledger_index: t.ledgerIndex };
}

function accountTxEntry(t: StoredTransaction, version: number): Json {
  if (version >= 2) {
    return {
      meta: t.meta,
      tx_json: txJson(t),
      hash: t.tx.hash,
      ledger_index: t.ledgerIndex,
      ledger_hash: t.ledgerHash,
      close_time_iso: closeTimeIso(t),
      validated: true,
    };
  }
  return { meta: t.meta, tx: { ...t.tx, ledger_index: t.ledgerIndex, inLedger: t.ledgerIndex }, validated: true };
}

function streamMessage(t: StoredTransaction, version: number): string {
  let rendered = t.rendered.get(version);
  if (!rendered) {
    const result = t.meta.TransactionResult as string;
    rendered = {
      type: 'transaction',
      status: 'closed',
      validated: true,
      engine_result: result,
      engine_result_code: result === 'tesSUCCESS' ? 0 : 128,
      engine_result_message:
        result === 'tesSUCCESS'
          ? 'The transaction was applied. Only final in a validated ledger.'
          : 'Path could not send partial amount.',
      ledger_hash: t.ledgerHash,
      ledger_index: t.ledgerIndex,
      meta: t.meta,
      ...(version >= 2 ? { tx_json: txJson(t), hash: t.tx.hash, close_time_iso: closeTimeIso(t) } : { transaction: t.tx }),
    };
    t.rendered.set(version, rendered);
  }
  return JSON.stringify(rendered);
}
