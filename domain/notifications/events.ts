/**
 * What Sluice tells people about, and through which channels: the user events users route per type, the operator
 * alerts operators route to Slack or Telegram, and a sample of each event, the data its templates render (the preview,
 * and the check that refuses a template that would not render). Workflow-safe.
 */

export const CHANNELS = ['email', 'telegram', 'slack'] as const;
export type Channel = (typeof CHANNELS)[number];
/** What a user can receive on: Slack is for operators' channels only. */
export const USER_CHANNELS = ['email', 'telegram'] as const satisfies readonly Channel[];
export type UserChannel = (typeof USER_CHANNELS)[number];

export const USER_EVENTS = [
  'deposit_credited',
  'withdrawal_code',
  'withdrawal_status',
  'invoice_paid',
  'order_filled',
  'order_refused',
  'trigger_failed',
  'bet_settled',
  'login_new_ip',
  'login_locked',
] as const;
export type UserEvent = (typeof USER_EVENTS)[number];

/**
 * Events whose routing guards the account: the security notices, and where withdrawal codes go. Only the signed-in
 * owner (a bearer token) routes them, not an API key: a leaked key must not silence the notice of its own misuse.
 */
export const SECURITY_USER_EVENTS = ['withdrawal_code', 'login_new_ip', 'login_locked'] as const satisfies readonly UserEvent[];
export const isSecurityUserEvent = (type: UserEvent) => (SECURITY_USER_EVENTS as readonly UserEvent[]).includes(type);

export const ALERT_EVENTS = [
  'gas_keeper_low',
  'audit_drift',
  'reconciliation_drift',
  'withdrawals_awaiting_approval',
  'webhook_endpoint_failing',
  'report_ready',
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** Templates exist for these, plus `other` (any alert or notice with no template of its own) and `broadcast`. */
export const TEMPLATE_EVENTS = [...USER_EVENTS, ...ALERT_EVENTS, 'other', 'broadcast'] as const;
export type TemplateEvent = (typeof TEMPLATE_EVENTS)[number];

/**
 * The event type a recorded notification's kind routes as. Most kinds are their event type; a withdrawal's status
 * notices keep their kind (clients filter on it) and route together as `withdrawal_status`.
 */
const KIND_TO_EVENT: Record<string, TemplateEvent> = {
  withdrawal_succeeded: 'withdrawal_status',
  withdrawal_failed: 'withdrawal_status',
  withdrawal_cancelled: 'withdrawal_status',
  withdrawal_expired: 'withdrawal_status',
  withdrawal_rejected: 'withdrawal_status',
};

export function eventTypeOf(kind: string): TemplateEvent {
  if (kind in KIND_TO_EVENT) return KIND_TO_EVENT[kind]!;
  return (TEMPLATE_EVENTS as readonly string[]).includes(kind) ? (kind as TemplateEvent) : 'other';
}

/**
 * The kind a notice of `type` is recorded under: the type itself, or a finer kind that routes as it (the dispatcher
 * routes a record by its kind alone, so a kind routing as another type would reach the wrong people).
 */
export function recordedKind(type: TemplateEvent, kind?: string): string {
  if (kind === undefined) return type;
  if (eventTypeOf(kind) !== type) throw new Error(`a notification of kind ${kind} routes as ${eventTypeOf(kind)}, not ${type}`);
  return kind;
}

export const isUserEvent = (type: string): type is UserEvent => (USER_EVENTS as readonly string[]).includes(type);

/** Channels a user gets an event on until they choose: mail for money and security, nothing for the high-volume ones. */
export const DEFAULT_USER_CHANNELS: Record<UserEvent, UserChannel[]> = {
  deposit_credited: ['email'],
  withdrawal_code: ['email'],
  withdrawal_status: ['email'],
  invoice_paid: ['email'],
  order_filled: [],
  // a refused order is also the API's 422; a trigger's refusal happens later, with no one waiting for an answer
  order_refused: [],
  trigger_failed: ['email'],
  bet_settled: [],
  login_new_ip: ['email'],
  login_locked: ['email'],
};

/**
 * What every notification's template can use besides its own data: `title` and `severity` (the record's), and `event`
 * (the event type). A sample event is a notification's body with these added.
 */
const common = (title: string, severity = 'info') => ({ title, severity });

export const SAMPLE_EVENTS: Record<TemplateEvent, Record<string, unknown>> = {
  deposit_credited: {
    ...common('Deposit of 0.25 ETH credited'),
    deposit_id: '42',
    currency: 'ETH',
    amount: '0.25',
    chain: 'evm-1',
    tx_hash: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060',
  },
  withdrawal_code: {
    ...common('Your Sluice withdrawal code'),
    withdrawal_id: '7',
    code: '123456',
    amount: '100.00',
    currency: 'USDT',
    address: '0x52908400098527886E0F7030069857D2E4169EE7',
    minutes: 10,
  },
  withdrawal_status: {
    ...common('Your withdrawal was sent'),
    withdrawal_id: '7',
    currency: 'USDT',
    amount: '100.00',
    fee: '1.00',
    released: null,
    tx_hash: '0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b',
    address: '0x52908400098527886E0F7030069857D2E4169EE7',
  },
  invoice_paid: {
    ...common('Invoice INV-1001 paid'),
    invoice_id: 'INV-1001',
    amount: '49.90',
    credited: '49.40',
    currency: 'USDT',
    merchant: 'Example Shop',
  },
  order_filled: {
    ...common('Your buy order on ETH-USDT was filled'),
    order_id: '1001',
    pair: 'ETH-USDT',
    side: 'buy',
    price: '3000.00',
    quantity: '0.5',
  },
  order_refused: {
    ...common('Your buy order on ETH-USDT was refused: insufficient funds', 'warning'),
    pair: 'ETH-USDT',
    side: 'buy',
    currency: 'USDT',
    needed: '1500.00',
  },
  trigger_failed: {
    ...common('Your stop-market sell trigger on ETH-USDT fired, but its order was refused', 'warning'),
    trigger_id: '77',
    pair: 'ETH-USDT',
    reason: 'insufficient_funds',
  },
  bet_settled: {
    ...common('Your bet #12 won 18.50 USDT'),
    bet_id: '12',
    event_id: '3',
    event_title: 'Final: Lions v Tigers',
    status: 'won',
    currency: 'USDT',
    stake: '10.00',
    coefficient: '1.85',
    payout: '18.50',
  },
  login_new_ip: {
    ...common('New sign-in to your Sluice account'),
    ip: '203.0.113.7',
    at: '2026-11-30T12:00:00Z',
    user_agent: 'Mozilla/5.0',
  },
  login_locked: {
    ...common('Sign-in locked after repeated failed attempts', 'warning'),
    ip: '203.0.113.7',
    locked_until: '2026-11-30T12:15:00.000Z',
  },
  gas_keeper_low: {
    ...common('Gas keeper on evm-1 is below its minimum balance', 'warning'),
    chain: 'evm-1',
    address: '0x52908400098527886E0F7030069857D2E4169EE7',
    currency: 'ETH',
    balance: '0.12',
    threshold: '0.5',
    queued: 3,
  },
  audit_drift: {
    ...common('The ledger audit found drift', 'critical'),
    audit_id: '0b7f3f8e-8f9a-4b7e-9c39-2e0d7f0c9a11',
    drifts: 2,
    currencies: 'ETH, USDT',
  },
  reconciliation_drift: {
    ...common('Unexplained ETH drift on custody:hot:evm-1', 'critical'),
    reconciliation_id: '9b1c4d52-1a3f-4b7e-9c55-2f1d0a6e7b31',
    account: 'custody:hot:evm-1',
    currency: 'ETH',
    drift: '0.01',
    threshold: '0.001',
  },
  withdrawals_awaiting_approval: {
    ...common('A withdrawal awaits approval', 'warning'),
    withdrawal_id: '7',
    currency: 'USDT',
    amount: '25000.00',
    // why it needs approval, as the withdrawal's `approval_reasons` name it
    reasons: 'new_address, amount',
  },
  webhook_endpoint_failing: {
    ...common('Webhook endpoint https://merchant.example/hooks is failing: a delivery failed after its last attempt', 'warning'),
    endpoint: 'https://merchant.example/hooks',
    failures: 8,
    // a last attempt that got no answer has no status, and its error instead
    last_status: 500,
    last_error: null,
    delivery_id: '31',
    event_id: 'invoice:9b1c4d52-1a3f-4b7e-9c55-2f1d0a6e7b31:settled',
  },
  report_ready: {
    ...common('Report ledger_entries 2026-11-01 to 2026-12-01 is ready'),
    report_id: '0b7f3f8e-8f9a-4b7e-9c39-2e0d7f0c9a11',
    type: 'ledger_entries',
    format: 'csv',
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-12-01T00:00:00.000Z',
    rows: 1000000,
    url: 'https://sluice.example/v1/ops/reports/0b7f3f8e-8f9a-4b7e-9c39-2e0d7f0c9a11/file',
  },
  other: { ...common('Sweep 9 of USDT failed on chain', 'critical'), kind: 'evm_sweep_failed' },
  broadcast: { ...common('Scheduled maintenance'), message: 'Deposits pause on Sunday from 02:00 to 03:00 UTC.' },
};
