import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The 16-character chain suffix kube-proxy derives from `text`: SHA-256, standard base32, first 16
 * characters. Chain names are hashes because iptables limits them to 28 characters.
 */
export function chainHash(text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest();
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
