import { sha256 } from './sha256.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The 16-character chain suffix kube-proxy derives from `text`: SHA-256, standard base32, first 16
 * characters. Chain names are hashes because iptables limits them to 28 characters.
 */
export function chainHash(text: string): string {
  const digest = sha256(text);
  // 16 base32 characters carry 80 bits: exactly the first 10 bytes of the digest.
  const codes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    buffer = (buffer << 8) | ((digest[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff);
    bits += 8;
    while (bits >= 5) {
      codes.push(BASE32.charCodeAt((buffer >>> (bits - 5)) & 31));
      bits -= 5;
    }
    buffer &= 0xff;
  }
  return String.fromCharCode(...codes);
}
