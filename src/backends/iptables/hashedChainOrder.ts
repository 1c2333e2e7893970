import { orderByName } from '../../util/orderByName.js';

/*
 * The per-service chains of a large ruleset in name order, sorted as numbers. Their names are a
 * prefix (KUBE-EXT-, KUBE-FW-, KUBE-SEP-, KUBE-SVC-, KUBE-SVL-: ranked 0 to 4 in that order, which
 * is their order as text, as each differs from the others before it ends) and sixteen base32 characters, so
 * each name packs into one 64-bit key: the prefix's rank, then the first seven characters' ranks
 * in character order, then the name's index. A typed-array sort of those keys is the whole sort,
 * save for names that agree on the seven characters, which are compared whole.
 */

/** Characters packed into a key, and bits for the index below them. */
const PACKED = 7;
const INDEX_BITS = 22;

/** The rank of a name's prefix among PREFIXES, or -1 when it has none of them before 16 characters. */
function prefixRank(name: string): number {
  // `KUBE-`, by character code (a call to startsWith costs more than the whole of the rest).
  if (name.charCodeAt(0) !== 0x4b || name.charCodeAt(1) !== 0x55 || name.charCodeAt(2) !== 0x42 || name.charCodeAt(3) !== 0x45 || name.charCodeAt(4) !== 0x2d) return -1;
  const a = name.charCodeAt(5);
  const b = name.charCodeAt(6);
  const c = name.charCodeAt(7);
  if (name.length === 24) return a === 0x46 && b === 0x57 && c === 0x2d ? 1 : -1;
  if (name.length !== 25 || name.charCodeAt(8) !== 0x2d) return -1;
  if (a === 0x45) return b === 0x58 && c === 0x54 ? 0 : -1;
  if (a !== 0x53) return -1;
  if (b === 0x45) return c === 0x50 ? 2 : -1;
  if (b !== 0x56) return -1;
  return c === 0x43 ? 3 : c === 0x4c ? 4 : -1;
}

/** Each base32 character's rank in character order (the digits 2-7 come before A-Z); -1 for any other. */
const CHAR_RANK = new Int8Array(128).fill(-1);
for (let c = 0; c < 6; c++) CHAR_RANK[0x32 + c] = c;
for (let c = 0; c < 26; c++) CHAR_RANK[0x41 + c] = 6 + c;

/** A character's rank in CHAR_RANK, or -1. */
function charRank(c: number): number {
  return c < 128 ? CHAR_RANK[c] : -1;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The indices of `names` in name order, as orderByName gives them (equal names keep their order). */
export function hashedChainOrder(names: readonly string[]): number[] {
  return packedChainOrder(names) ?? orderByName(names);
}

/** hashedChainOrder's answer when every name is a per-service chain name (see above); else undefined. */
export function packedChainOrder(names: readonly string[]): number[] | undefined {
  const n = names.length;
  if (n >= 2 ** INDEX_BITS) return undefined;
  const words = new Uint32Array(2 * n);
  const [lo, hi] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  for (let k = 0; k < n; k++) {
    const name = names[k];
    const rank = prefixRank(name);
    if (rank < 0) return undefined;
    const at = name.length - 16;
    let high = rank;
    for (let c = 0; c < 5; c++) {
      const r = charRank(name.charCodeAt(at + c));
      if (r < 0) return undefined;
      high = high * 32 + r;
    }
    // The characters after the packed ones only matter between names that agree on those.
    let low = 0;
    for (let c = 5; c < PACKED; c++) {
      const r = charRank(name.charCodeAt(at + c));
      if (r < 0) return undefined;
      low = low * 32 + r;
    }
    words[2 * k + hi] = high;
    words[2 * k + lo] = low * 2 ** INDEX_BITS + k;
  }
  const keys = new BigUint64Array(words.buffer);
  keys.sort();
  // Read back as signed words: a word past 2^31 read from a Uint32Array is a heap number.
  const signed = new Int32Array(words.buffer);
  const out = new Array<number>(n);
  const mask = 2 ** INDEX_BITS - 1;
  for (let p = 0; p < n; ) {
    const high = signed[2 * p + hi];
    const low = signed[2 * p + lo] >>> INDEX_BITS;
    let end = p + 1;
    while (end < n && signed[2 * end + hi] === high && signed[2 * end + lo] >>> INDEX_BITS === low) end++;
    if (end - p === 1) {
      out[p] = signed[2 * p + lo] & mask;
    } else {
      // Names that agree on the packed characters (here in index order): put in order by the
      // general sort, which keeps equal names in that order.
      const group: number[] = [];
      for (let g = p; g < end; g++) group.push(signed[2 * g + lo] & mask);
      const order = orderByName(group.map((i) => names[i]));
      for (let g = 0; g < group.length; g++) out[p + g] = group[order[g]];
    }
    p = end;
  }
  return out;
}
