import { sha256 } from './sha256.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Where chain names are spelt: the sixteen hash characters at HASH_AT, a prefix just before them. */
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

/** Where the hash characters go in NAME: a prefix is written just before them. */
const HASH_AT = 32;

/** NAME's hash characters after `prefix` (ASCII, at most HASH_AT characters), as one flat string. */
function spelt(prefix: string): string {
  const from = HASH_AT - prefix.length;
  for (let i = 0; i < prefix.length; i++) NAME[from + i] = prefix.charCodeAt(i);
  return (NAME as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(from, HASH_AT + 16);
}

/**
 * `prefix` and the chainHash of `a + b + c`, as one flat string. Chain names are made by the
 * hundred thousand, then sorted and looked up: spelt in a buffer and read out once, each is one
 * string, where gluing the hash text and then the name makes ropes and copies along the way.
 * The prefix is ASCII (a chain name's `KUBE-SEP-`).
 */
export function hashedName(prefix: string, a: string, b = '', c = ''): string {
  base32Into(sha256(a, b, c), HASH_AT);
  return spelt(prefix);
}

/** hashedName for each of `prefixes`, from one hash (a service's SVC, SVL, EXT and FW chains share theirs). */
export function hashedNames(prefixes: readonly string[], a: string, b = '', c = ''): string[] {
  base32Into(sha256(a, b, c), HASH_AT);
  return prefixes.map(spelt);
}
