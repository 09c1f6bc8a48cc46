/** Who gets what, where: users by their choices or the defaults, operators by alert routes and severity. */
import { describe, expect, it } from 'vitest';
import { eventTypeOf, recordedKind } from '../../domain/notifications/events.js';
import { alertDeliveries, userDeliveries, type AlertRoute } from '../../domain/notifications/routing.js';
import { reachOf } from '../../services/notifications/preferences-store.js';

const reach = { email: 'u@example.com', telegramChatId: '4242' };
const noTelegram = { email: 'u@example.com', telegramChatId: null };

describe('user routing', () => {
  it('uses the defaults until the user chooses: mail for money and security, nothing for high-volume events', () => {
    expect(userDeliveries('deposit_credited', undefined, reach)).toEqual([{ channel: 'email', target: 'u@example.com' }]);
    expect(userDeliveries('login_new_ip', undefined, reach)).toEqual([{ channel: 'email', target: 'u@example.com' }]);
    expect(userDeliveries('login_locked', undefined, reach)).toEqual([{ channel: 'email', target: 'u@example.com' }]);
    expect(userDeliveries('bet_settled', undefined, reach)).toEqual([]);
    expect(userDeliveries('order_filled', undefined, reach)).toEqual([]);
    // the API answers a refused order at once; a trigger is refused later, with no one waiting
    expect(userDeliveries('order_refused', undefined, reach)).toEqual([]);
    expect(userDeliveries('trigger_failed', undefined, reach)).toEqual([{ channel: 'email', target: 'u@example.com' }]);
  });

  it("follows the user's choice, including none", () => {
    expect(userDeliveries('deposit_credited', ['email', 'telegram'], reach)).toEqual([
      { channel: 'email', target: 'u@example.com' },
      { channel: 'telegram', target: '4242' },
    ]);
    expect(userDeliveries('bet_settled', ['telegram'], reach)).toEqual([{ channel: 'telegram', target: '4242' }]);
    expect(userDeliveries('deposit_credited', [], reach)).toEqual([]);
  });

  it('skips Telegram until a chat is linked', () => {
    expect(userDeliveries('deposit_credited', ['telegram', 'email'], noTelegram)).toEqual([
      { channel: 'email', target: 'u@example.com' },
    ]);
  });

  it('always mails a withdrawal code, and sends it to a chosen Telegram chat only besides: a linked chat is no mailbox', () => {
    expect(userDeliveries('withdrawal_code', [], reach)).toEqual([{ channel: 'email', target: 'u@example.com' }]);
    expect(userDeliveries('withdrawal_code', ['telegram'], noTelegram)).toEqual([{ channel: 'email', target: 'u@example.com' }]);
    expect(userDeliveries('withdrawal_code', ['telegram'], reach)).toEqual([
      { channel: 'email', target: 'u@example.com' },
      { channel: 'telegram', target: '4242' },
    ]);
    expect(userDeliveries('withdrawal_code', ['email', 'telegram'], reach)).toEqual([
      { channel: 'email', target: 'u@example.com' },
      { channel: 'telegram', target: '4242' },
    ]);
  });

  it('mails nothing to an account made from Telegram: its placeholder address has no mailbox', () => {
    const madeFromTelegram = reachOf({ email: 'telegram-6001@telegram.invalid', chatId: 6001 });
    expect(madeFromTelegram).toEqual({ email: null, telegramChatId: '6001' });
    expect(reachOf({ email: 'u@example.com', chatId: null })).toEqual(noTelegram);
    expect(userDeliveries('deposit_credited', ['email', 'telegram'], madeFromTelegram)).toEqual([
      { channel: 'telegram', target: '6001' },
    ]);
    expect(userDeliveries('login_new_ip', undefined, madeFromTelegram)).toEqual([]);
    // the code proves a mailbox: with none it is sent nowhere, not to the chat alone
    expect(userDeliveries('withdrawal_code', ['telegram'], madeFromTelegram)).toEqual([]);
  });

  it('keeps kinds users do not route in-app only', () => {
    expect(userDeliveries('other', ['email'], reach)).toEqual([]);
  });

  it('routes every withdrawal status notice as withdrawal_status, and unknown kinds as other', () => {
    for (const kind of [
      'withdrawal_succeeded',
      'withdrawal_failed',
      'withdrawal_cancelled',
      'withdrawal_expired',
      'withdrawal_rejected',
    ])
      expect(eventTypeOf(kind)).toBe('withdrawal_status');
    expect(eventTypeOf('deposit_credited')).toBe('deposit_credited');
    expect(eventTypeOf('evm_sweep_failed')).toBe('other');
    expect(eventTypeOf('withdrawal_failed_awaiting_operator')).toBe('other');
  });

  it('records a finer kind only where it routes as the type given, since routing reads the kind alone', () => {
    expect(recordedKind('deposit_credited')).toBe('deposit_credited');
    expect(recordedKind('withdrawal_status', 'withdrawal_succeeded')).toBe('withdrawal_succeeded');
    expect(recordedKind('other', 'evm_deep_reorg')).toBe('evm_deep_reorg');
    expect(() => recordedKind('deposit_credited', 'withdrawal_succeeded')).toThrow(/routes as withdrawal_status/);
    expect(() => recordedKind('other', 'bet_settled')).toThrow(/routes as bet_settled, not other/);
  });
});

describe('alert routing', () => {
  const routes: AlertRoute[] = [
    { id: '1', eventType: '*', channel: 'slack', minSeverity: 'critical' },
    { id: '2', eventType: 'gas_keeper_low', channel: 'telegram', minSeverity: 'info' },
    { id: '3', eventType: 'audit_drift', channel: 'slack', minSeverity: 'warning' },
  ];

  it('sends an alert along the routes for its kind and for all, at or above their minimum severity', () => {
    expect(alertDeliveries('gas_keeper_low', 'warning', routes)).toEqual([{ channel: 'telegram', target: 'route:2' }]);
    expect(alertDeliveries('gas_keeper_low', 'critical', routes)).toEqual([
      { channel: 'slack', target: 'route:1' },
      { channel: 'telegram', target: 'route:2' },
    ]);
    expect(alertDeliveries('audit_drift', 'critical', routes).map((d) => d.target)).toEqual(['route:1', 'route:3']);
    expect(alertDeliveries('audit_drift', 'info', routes)).toEqual([]);
    expect(alertDeliveries('evm_sweep_failed', 'critical', routes)).toEqual([{ channel: 'slack', target: 'route:1' }]);
  });

  it('sends nothing without routes', () => {
    expect(alertDeliveries('gas_keeper_low', 'critical', [])).toEqual([]);
  });
});
