// Stellar strkeys: base32 (RFC 4648, no padding) of a version byte, the 32-byte payload and a
// CRC16-XModem checksum of both, stored little-endian. Contract ids use version byte 2 << 3,
// which is why they start with "C".

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const CONTRACT_VERSION_BYTE = 2 << 3;
const CONTRACT_ID_LENGTH = 56;

/** Checks a contract id (C… strkey) and returns why it is invalid, or undefined when it is valid. */
export function contractIdProblem(value: string): string | undefined {
  const id = value.trim();
  if (id.length !== CONTRACT_ID_LENGTH) {
    return `Contract id must be ${CONTRACT_ID_LENGTH} characters long, got ${id.length}.`;
  }
  if (!id.startsWith('C')) {
    return `Contract id must start with "C" (got "${id[0]}"): copy the contract address, not an account (G…) or secret key.`;
  }
  const badChar = [...id].find((char) => !BASE32_ALPHABET.includes(char));
  if (badChar !== undefined) {
    return `Contract id contains "${badChar}": only capital letters A–Z and digits 2–7 are allowed.`;
  }

  const bytes = decodeBase32(id);
  if (bytes[0] !== CONTRACT_VERSION_BYTE) {
    return 'Contract id has the wrong version byte: copy the contract address again.';
  }
  const payloadEnd = bytes.length - 2;
  const expected = crc16XModem(bytes.subarray(0, payloadEnd));
  const stored = bytes[payloadEnd] | (bytes[payloadEnd + 1] << 8);
  if (expected !== stored) {
    return 'Contract id checksum does not match: a character is mistyped, copy the contract address again.';
  }
  return undefined;
}

function decodeBase32(text: string): Uint8Array {
  const bytes = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    buffer = (buffer << 5) | BASE32_ALPHABET.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[index++] = (buffer >> bits) & 0xff;
      buffer &= (1 << bits) - 1;
    }
  }
  return bytes;
}

/** CRC-16/XMODEM: polynomial 0x1021, initial value 0, no reflection. */
export function crc16XModem(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** Encodes a 32-byte contract hash as a C… strkey, the inverse of contractIdProblem's decoding. */
export function encodeContractId(hash: Uint8Array): string {
  const body = new Uint8Array(33);
  body[0] = CONTRACT_VERSION_BYTE;
  body.set(hash, 1);
  const crc = crc16XModem(body);
  const bytes = new Uint8Array(35);
  bytes.set(body);
  bytes[33] = crc & 0xff;
  bytes[34] = crc >> 8;

  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += BASE32_ALPHABET[(buffer >> bits) & 31];
      buffer &= (1 << bits) - 1;
    }
  }
  return text;
}
