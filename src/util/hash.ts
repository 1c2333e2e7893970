import { sha256 } from './sha256.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Where chain names are spelt: a prefix and sixteen base32 characters fit many times over. */
const NAME = Buffer.alloc(64);

/** The first 80 bits of the last digest, in base32, into NAME from `at`. */
function base32Into(digest: Int32Array, at: number): void {
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    buffer = (buffer << 8) | ((digest[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff);
    bits += 8;
    while (bits >= 5) {
      NAME[at++] = BASE32.charCodeAt((buffer >>> (bits - 5)) & 31);
      bits -= 5;
    }
    buffer &= 0xff;
  }
}

/**
 * The 16-character chain suffix kube-proxy derives from `text`: SHA-256, standard base32, first 16
 * characters. Chain names are hashes because iptables limits them to 28 characters.
 */
export function chainHash(text: string): string {
  return hashedName('', text);
}

/**
 * `prefix` and the chainHash of `a + b + c`, as one flat string. Chain names are made by the
 * hundred thousand, then sorted and looked up: spelt in a buffer and read out once, each is one
 * string, where gluing the hash text and then the name makes ropes and copies along the way.
 * The prefix is ASCII (a chain name's `KUBE-SEP-`).
 */
export function hashedName(prefix: string, a: string, b = '', c = ''): string {
  const digest = sha256(a, b, c);
  for (let i = 0; i < prefix.length; i++) NAME[i] = prefix.charCodeAt(i);
  base32Into(digest, prefix.length);
  return (NAME as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(0, prefix.length + 16);
}
