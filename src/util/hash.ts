import * as crypto from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * SHA-256 of a UTF-8 string. `crypto.hash` (Node 20.12+) skips the Hash object a `createHash`
 * call allocates, which matters at one call per endpoint; older Node 20 releases lack it.
 */
const sha256: (text: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'buffer')
    : (text) => crypto.createHash('sha256').update(text, 'utf8').digest();

/**
 * The 16-character chain suffix kube-proxy derives from `text`: SHA-256, standard base32, first 16
 * characters. Chain names are hashes because iptables limits them to 28 characters.
 */
export function chainHash(text: string): string {
  const digest = sha256(text);
  // 16 base32 characters carry 80 bits: exactly the first 10 bytes of the digest.
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    buffer = (buffer << 8) | digest[i];
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= 0xff;
  }
  return out;
}
