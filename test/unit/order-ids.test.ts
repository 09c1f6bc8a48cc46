/** Order ids: one id space whose prefix names the kind, refusing anything that is not one of ours. */
import { describe, expect, it } from 'vitest';
import { ORDER_ID_PATTERN, orderId, parseOrderId } from '../../domain/orders/ids.js';

const UUID = '0b7e6a4e-2f7c-4d55-9a3e-3c1f0d2b9e11';

describe('order ids', () => {
  it('parses every kind and builds the same id back', () => {
    expect(parseOrderId(`wd_${UUID}`)).toEqual({ id: `wd_${UUID}`, prefix: 'wd', type: 'withdrawal', key: UUID });
    expect(parseOrderId('bet_42')).toMatchObject({ type: 'bet', key: '42' });
    expect(parseOrderId('ord_7')).toMatchObject({ type: 'trade', prefix: 'ord' });
    expect(parseOrderId('trg_7')).toMatchObject({ type: 'trade', prefix: 'trg' });
    expect(parseOrderId(`inv_${UUID}`)).toMatchObject({ type: 'invoice' });
    expect(parseOrderId(`ex_${UUID}`)).toMatchObject({ type: 'exchange' });
    expect(parseOrderId('dep_1')).toMatchObject({ type: 'deposit' });
    expect(parseOrderId('tr_99')).toMatchObject({ type: 'transfer' });
    expect(parseOrderId('ipay_5')).toMatchObject({ type: 'invoice_payment', prefix: 'ipay' });
    expect(orderId('tr', 99n)).toBe('tr_99');
  });

  it('refuses ids of no kind, keys of the wrong shape, and anything around them', () => {
    for (const bad of [
      'xyz_1',
      'wd_42',
      `bet_${UUID}`,
      'tr_0',
      'tr_01',
      `wd_${UUID} `,
      `wd_${UUID.toUpperCase()}`,
      'dep_',
      '42',
      '',
    ])
      expect(parseOrderId(bad), bad).toBeNull();
    expect(ORDER_ID_PATTERN.test('dep_1234567890123456789')).toBe(true);
    expect(ORDER_ID_PATTERN.test('dep_12345678901234567890')).toBe(false);
  });
});
