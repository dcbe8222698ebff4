import { contractIdProblem, crc16XModem, encodeContractId } from './strkey';

// The contract whose hash is 32 bytes of 0x01, as the Go fixtures use it.
const VALID_ID = 'CAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQC526';

describe('contractIdProblem', () => {
  it('accepts a valid contract id', () => {
    expect(contractIdProblem(VALID_ID)).toBeUndefined();
  });

  it('accepts surrounding spaces', () => {
    expect(contractIdProblem(`  ${VALID_ID} `)).toBeUndefined();
  });

  it('rejects a wrong length', () => {
    expect(contractIdProblem('CABC')).toBe('Contract id must be 56 characters long, got 4.');
  });

  it('rejects an account id', () => {
    const accountId = 'G' + VALID_ID.slice(1);
    expect(contractIdProblem(accountId)).toContain('must start with "C" (got "G")');
  });

  it('rejects characters outside base32', () => {
    const withOne = VALID_ID.slice(0, 10) + '1' + VALID_ID.slice(11);
    expect(contractIdProblem(withOne)).toBe(
      'Contract id contains "1": only capital letters A–Z and digits 2–7 are allowed.'
    );
  });

  it('rejects a mistyped character', () => {
    const mistyped = VALID_ID.slice(0, 20) + (VALID_ID[20] === 'A' ? 'B' : 'A') + VALID_ID.slice(21);
    expect(contractIdProblem(mistyped)).toBe(
      'Contract id checksum does not match: a character is mistyped, copy the contract address again.'
    );
  });
});

describe('crc16XModem', () => {
  it('matches the standard check value', () => {
    // CRC-16/XMODEM of "123456789" is 0x31C3 in the published CRC catalogue.
    expect(crc16XModem(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });
});

describe('encodeContractId', () => {
  it('round-trips through validation', () => {
    expect(encodeContractId(new Uint8Array(32).fill(1))).toBe(VALID_ID);
  });
});
