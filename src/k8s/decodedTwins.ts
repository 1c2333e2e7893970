import type { JsonSpan } from '../input/jsonList.js';
import type { RawObject } from '../input/rawObject.js';
import type { DecodedItem } from './decodeObjects.js';

/** How many bytes of an item the index looks at: enough to tell items apart, few enough to be cheap. */
const SAMPLES = 128;

function sampleHash(s: JsonSpan): number {
  const n = s.end - s.start;
  const step = Math.max(1, Math.floor(n / SAMPLES));
  let h = n | 0;
  for (let i = s.start; i < s.end; i += step) h = Math.imul(h ^ s.bytes[i], 16777619);
  return h >>> 0;
}

/**
 * For items of JSON Lists: a lookup of the decoded form of an item read before with exactly the
 * same bytes (`record`, from decodeObjects). Two states of a cluster share nearly all items, so
 * the second is then decoded only where it differs.
 */
export function decodedTwins(record: ReadonlyMap<RawObject, DecodedItem>): (raw: RawObject) => DecodedItem | undefined {
  const index = new Map<number, { span: JsonSpan; item: DecodedItem }[]>();
  for (const [raw, item] of record) {
    if (!raw.json) continue;
    const h = sampleHash(raw.json);
    const list = index.get(h);
    if (list) list.push({ span: raw.json, item });
    else index.set(h, [{ span: raw.json, item }]);
  }
  return (raw) => {
    const s = raw.json;
    if (!s) return undefined;
    for (const c of index.get(sampleHash(s)) ?? []) {
      if (c.span.end - c.span.start === s.end - s.start && c.span.bytes.compare(s.bytes, s.start, s.end, c.span.start, c.span.end) === 0) return c.item;
    }
    return undefined;
  };
}
