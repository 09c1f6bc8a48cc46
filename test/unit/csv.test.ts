import { describe, expect, it } from 'vitest';
import { csvLine } from '../../platform/csv.js';

describe('CSV cells', () => {
  it('leaves a decimal number as the API writes it, a negative amount included', () => {
    expect(csvLine(['BTC', '-3.26800347', '-12', '0.5'])).toBe('BTC,-3.26800347,-12,0.5\r\n');
  });

  it('defuses any other cell a spreadsheet would run as a formula', () => {
    expect(csvLine(["-2+3+cmd|' /C calc'!A0"])).toBe("'-2+3+cmd|' /C calc'!A0\r\n");
    expect(csvLine(['=1+1', '+1', '@SUM(A1)', '-', '-.5', '-1e5', '-1.'])).toBe("'=1+1,'+1,'@SUM(A1),'-,'-.5,'-1e5,'-1.\r\n");
  });
});
