/**
 * Sorting chain names by UTF-16 code units (as `<` compares), fast enough for a hundred thousand
 * of them. A large ruleset's names are nearly all `KUBE-XXX-` plus sixteen base32 characters: with
 * a comparator, each of the ~2 million comparisons walks the shared prefix first. Instead, names
 * are grouped by their text up to the last `-` ("bucket"), and inside each large bucket the next
 * characters are packed with the name's index into one float, so a typed-array sort (numbers, no
 * callback) does nearly all the work. Equal packed keys (names agreeing on those characters) are
 * then put in order by comparing the names themselves.
 */

/** Below this, a plain comparator sort is fast enough. */
const SMALL = 512;
/** Buckets with fewer names join the plain sort. */
const BUCKET_MIN = 256;
/** At most this many characters go into a packed key. */
const MAX_WIDTH = 8;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The indices of `names` in name order; equal names keep their relative order. Same result as
 * sorting the indices with `(a, b) => compare(names[a], names[b]) || a - b`.
 */
export function orderByName(names: readonly string[]): number[] {
  const n = names.length;
  if (n < SMALL) return plainOrder(names, range(n));

  const buckets = new Map<string, number[]>();
  // Names come in runs of one bucket, so the last bucket is tried first, without a substring.
  let lastPrefix = '';
  let last: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const name = names[i];
    if (last && name.startsWith(lastPrefix) && name.indexOf('-', lastPrefix.length) < 0) {
      last.push(i);
      continue;
    }
    lastPrefix = name.slice(0, name.lastIndexOf('-') + 1);
    last = buckets.get(lastPrefix);
    if (!last) buckets.set(lastPrefix, (last = []));
    last.push(i);
  }

  // Fast buckets must be prefix-free among themselves: then two names from different fast buckets
  // first differ inside both prefixes, so the prefixes alone order them.
  const fast: string[] = [];
  const rest: number[] = [];
  const bySize = [...buckets.entries()].sort((a, b) => b[1].length - a[1].length);
  for (const [prefix, list] of bySize) {
    if (list.length >= BUCKET_MIN && prefix !== '' && fast.every((f) => !f.startsWith(prefix) && !prefix.startsWith(f))) fast.push(prefix);
    else for (const i of list) rest.push(i);
  }
  fast.sort(compare);

  const sortedFast: number[] = [];
  for (const prefix of fast) for (const i of bucketOrder(names, buckets.get(prefix)!, prefix.length)) sortedFast.push(i);
  if (rest.length === 0) return sortedFast;
  rest.sort((a, b) => a - b);
  const restOrder = plainOrder(names, rest);
  return restOrder.length <= sortedFast.length ? mergeOrders(names, sortedFast, restOrder) : mergeOrders(names, restOrder, sortedFast);
}

/** The names `order` points at, in name order (see orderByName). */
export function sortNames(names: readonly string[]): string[] {
  return orderByName(names).map((i) => names[i]);
}

function range(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** `idx` (ascending) sorted by name with a comparator; the index breaks ties. */
function plainOrder(names: readonly string[], idx: number[]): number[] {
  return idx.sort((a, b) => compare(names[a], names[b]) || a - b);
}

/**
 * Merges two index lists, each in name order, into one; ties go to the lower index. `few` is the
 * short one: each of its entries finds its place in `many` by binary search.
 */
function mergeOrders(names: readonly string[], many: readonly number[], few: readonly number[]): number[] {
  const before = (x: number, y: number) => (compare(names[x], names[y]) || x - y) < 0;
  const out: number[] = [];
  let from = 0;
  for (const f of few) {
    let lo = from;
    let hi = many.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(many[mid], f)) lo = mid + 1;
      else hi = mid;
    }
    for (let k = from; k < lo; k++) out.push(many[k]);
    out.push(f);
    from = lo;
  }
  for (let k = from; k < many.length; k++) out.push(many[k]);
  return out;
}

/**
 * Orders one bucket: names sharing their first `skip` characters. Each name's next characters are
 * ranked within the bucket's alphabet (0 meaning "the name ended", so shorter sorts first) and
 * packed, with the position in `list`, below 2^53.
 */
function bucketOrder(names: readonly string[], list: readonly number[], skip: number): number[] {
  const n = list.length;
  // Only the characters that can go into a key need a rank.
  const seen = new Uint8Array(65536);
  for (const i of list) {
    const name = names[i];
    const end = Math.min(name.length, skip + MAX_WIDTH);
    for (let c = skip; c < end; c++) seen[name.charCodeAt(c)] = 1;
  }
  // Rank 0 is "ended"; characters rank from 1 in code-unit order.
  const rank = new Uint16Array(65536);
  let symbols = 0;
  for (let code = 0; code < 65536; code++) if (seen[code]) rank[code] = ++symbols;
  const charBits = Math.max(1, Math.ceil(Math.log2(symbols + 1)));
  const indexBits = Math.max(1, Math.ceil(Math.log2(n)));
  const width = Math.max(1, Math.min(MAX_WIDTH, Math.floor((53 - indexBits) / charBits)));
  const radix = 2 ** charBits;
  const slot = 2 ** indexBits;

  const packed = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const name = names[list[k]];
    let key = 0;
    for (let c = 0; c < width; c++) {
      const at = skip + c;
      key = key * radix + (at < name.length ? rank[name.charCodeAt(at)] : 0);
    }
    packed[k] = key * slot + k;
  }
  packed.sort();

  const out = new Array<number>(n);
  for (let k = 0; k < n; ) {
    // A run of equal keys: names that agree on `width` characters; order them by the full name.
    const key = Math.floor(packed[k] / slot);
    let end = k + 1;
    while (end < n && Math.floor(packed[end] / slot) === key) end++;
    if (end - k === 1) {
      out[k] = list[packed[k] - key * slot];
    } else {
      const group: number[] = [];
      for (let g = k; g < end; g++) group.push(list[packed[g] - key * slot]);
      plainOrder(names, group);
      for (let g = 0; g < group.length; g++) out[k + g] = group[g];
    }
    k = end;
  }
  return out;
}
