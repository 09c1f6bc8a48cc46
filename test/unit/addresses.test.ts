/** Destination addresses: each chain's format and checksum, and the well-formed ones where funds are burnt. */
import { describe, expect, it } from 'vitest';
import { checkAddress } from '../../chains/addresses.js';

describe('checkAddress', () => {
  it('accepts an EVM address and answers it checksummed', () => {
    expect(checkAddress('evm', '0x8ba1f109551bd432803012645ac136ddd64dba72')).toEqual({
      ok: true,
      address: '0x8ba1f109551bD432803012645Ac136ddd64DBA72',
    });
  });

  it('refuses the EVM zero address', () => {
    expect(checkAddress('evm', '0x0000000000000000000000000000000000000000')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/nobody can spend/),
    });
  });

  it("refuses XRPL's ACCOUNT_ZERO and ACCOUNT_ONE, accepts an ordinary account", () => {
    for (const address of ['rrrrrrrrrrrrrrrrrrrrrhoLvTp', 'rrrrrrrrrrrrrrrrrrrrBZbvji'])
      expect(checkAddress('xrpl', address)).toMatchObject({ ok: false, reason: expect.stringMatching(/nobody can spend/) });
    expect(checkAddress('xrpl', 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh')).toEqual({
      ok: true,
      address: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh',
    });
  });
});
