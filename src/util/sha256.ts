/** SHA-256 (FIPS 180-4) of short strings. */

/** SHA-256 round constants (FIPS 180-4, 4.2.2). */
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);
/** The initial hash value (FIPS 180-4, 5.3.3). */
const H0 = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

const W = new Int32Array(64);
const H = new Int32Array(8);

/** The padded message: the text's UTF-8 bytes, 0x80, zeros, then its length in bits (big-endian). */
let message = new Uint8Array(256);
const utf8 = new TextEncoder();

/** Writes `text`'s UTF-8 bytes into `message` at `at`; returns where they end. */
function put(text: string, at: number): number {
  // UTF-8 takes at most three bytes per UTF-16 unit; the 72 leave room for padding and length.
  if (message.length < at + text.length * 3 + 72) {
    const bigger = new Uint8Array(2 * (at + text.length * 3 + 72));
    bigger.set(message.subarray(0, at));
    message = bigger;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Names and addresses are ASCII: copied a code unit a byte, the rest left to the encoder.
    if (c > 0x7f) return at - i + utf8.encodeInto(text, message.subarray(at - i)).written;
    message[at++] = c;
  }
  return at;
}

/** Pads the UTF-8 of `a + b + c` into `message` and returns the padded size (a multiple of 64 bytes). */
function pad(a: string, b: string, c: string): number {
  const n = put(c, put(b, put(a, 0)));
  const size = (((n + 8) >> 6) + 1) * 64;
  message[n] = 0x80;
  message.fill(0, n + 1, size - 8);
  const bits = n * 8;
  const high = Math.floor(bits / 2 ** 32);
  message[size - 8] = high >>> 24;
  message[size - 7] = high >>> 16;
  message[size - 6] = high >>> 8;
  message[size - 5] = high;
  // `>>>` takes the low 32 bits.
  message[size - 4] = bits >>> 24;
  message[size - 3] = bits >>> 16;
  message[size - 2] = bits >>> 8;
  message[size - 1] = bits;
  return size;
}

/**
 * SHA-256 of the UTF-8 `a + b + c`, as the eight big-endian words of the digest (the same array each
 * call: read it before the next). Computed here rather than by node:crypto because chain names
 * hash a few dozen bytes once per endpoint, where the native call and the Buffer it returns cost
 * more than the hashing itself. The text comes in parts so that callers need not glue it first
 * (a glued string is a rope, flattened again to be read).
 */
export function sha256(a: string, b = '', c = ''): Int32Array {
  const size = pad(a, b, c);
  H.set(H0);
  for (let block = 0; block < size; block += 64) {
    for (let t = 0; t < 16; t++) {
      const i = block + t * 4;
      W[t] = (message[i] << 24) | (message[i + 1] << 16) | (message[i + 2] << 8) | message[i + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = W[t - 15];
      const y = W[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
    }
    let a = H[0];
    let b = H[1];
    let c = H[2];
    let d = H[3];
    let e = H[4];
    let f = H[5];
    let g = H[6];
    let h = H[7];
    for (let t = 0; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    H[0] += a;
    H[1] += b;
    H[2] += c;
    H[3] += d;
    H[4] += e;
    H[5] += f;
    H[6] += g;
    H[7] += h;
  }
  return H;
}

