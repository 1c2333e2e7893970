import type { JsonSpan } from '../input/jsonList.js';
import type { RawObject } from '../input/rawObject.js';
import type { DecodedItem } from './decodeObjects.js';

/** How many bytes of an item the first hash looks at: enough to tell items apart, few enough to be cheap. */
const SAMPLES = 128;
/** Items sharing a sampled hash beyond this many are told apart by a hash of all their bytes. */
const CROWDED = 16;

function sampleHash(s: JsonSpan): number {
  const n = s.end - s.start;
  const step = Math.max(1, Math.floor(n / SAMPLES));
  let h = n | 0;
  for (let i = s.start; i < s.end; i += step) h = Math.imul(h ^ s.bytes[i], 16777619);
  return h >>> 0;
}

function fullHash(s: JsonSpan): number {
  let h = 2166136261;
  for (let i = s.start; i < s.end; i++) h = Math.imul(h ^ s.bytes[i], 16777619);
  return h >>> 0;
}

const sameBytes = (a: JsonSpan, b: JsonSpan): boolean => a.end - a.start === b.end - b.start && a.bytes.compare(b.bytes, b.start, b.end, a.start, a.end) === 0;

interface Entry { readonly span: JsonSpan; readonly item: DecodedItem }

/** Items with one sampled hash; when crowded (items alike in the sampled bytes), also by full hash. */
class Bucket {
  readonly entries: Entry[] = [];
  private byFull: Map<number, Entry[]> | undefined;

  find(span: JsonSpan): DecodedItem | undefined {
    let list: readonly Entry[] = this.entries;
    if (list.length > CROWDED) {
      if (!this.byFull) {
        this.byFull = new Map();
        for (const e of this.entries) {
          const h = fullHash(e.span);
          const same = this.byFull.get(h);
          if (same) same.push(e);
          else this.byFull.set(h, [e]);
        }
      }
      list = this.byFull.get(fullHash(span)) ?? [];
    }
    for (const e of list) if (sameBytes(e.span, span)) return e.item;
    return undefined;
  }
}

/**
 * For items of JSON Lists: a lookup of the decoded form of an item read before with exactly the
 * same bytes (`record`, from decodeObjects). Two states of a cluster share nearly all items, so
 * the second is then decoded only where it differs.
 */
export function decodedTwins(record: ReadonlyMap<RawObject, DecodedItem>): (raw: RawObject) => DecodedItem | undefined {
  const index = new Map<number, Bucket>();
  for (const [raw, item] of record) {
    if (!raw.json) continue;
    const h = sampleHash(raw.json);
    let bucket = index.get(h);
    if (!bucket) index.set(h, (bucket = new Bucket()));
    bucket.entries.push({ span: raw.json, item });
  }
  return (raw) => (raw.json ? index.get(sampleHash(raw.json))?.find(raw.json) : undefined);
}
