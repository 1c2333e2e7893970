import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { decodeSource } from '../../src/input/readInputs.js';
import { splitJsonList } from '../../src/input/jsonList.js';
import type { RawObject } from '../../src/input/rawObject.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { decodeObjects, type DecodedItem } from '../../src/k8s/decodeObjects.js';
import { decodedTwins } from '../../src/k8s/decodedTwins.js';
import { jsonEndpointSlice } from '../../src/k8s/jsonEndpointSlice.js';
import { decodeEndpointSliceChecked } from '../../src/k8s/decodeEndpointSlice.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { mutants, prng, sortKeys } from '../helpers/mutate.js';

/** Every Service and EndpointSlice of the fixtures, as parsed objects. */
function fixtureObjects(dir: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...fixtureObjects(p));
    else if (/\.ya?ml$/.test(name)) {
      for (const d of yaml.loadAll(readFileSync(p, 'utf8'))) {
        const kind = (d as { kind?: string } | null)?.kind;
        if (kind === 'Service' || kind === 'EndpointSlice') out.push(d as Record<string, unknown>);
      }
    }
  }
  return out;
}

/** Reads `text` as the file `name`; returns the objects and diagnostics of decoding them. */
function decodeText(name: string, text: string): { objects: RawObject[]; cluster: ReturnType<typeof decodeObjects>['cluster']; diagnostics: Diagnostic[] } {
  const objects: RawObject[] = [];
  const diagnostics: Diagnostic[] = [];
  decodeSource(name, Buffer.from(text), objects, diagnostics);
  const decoded = decodeObjects(objects);
  return { objects, cluster: decoded.cluster, diagnostics: [...diagnostics, ...decoded.diagnostics] };
}

const ITEMS = fixtureObjects(FIXTURES_DIR);
const LIST = { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: ITEMS };

describe('splitJsonList', () => {
  it('gives the items JSON.parse gives, for compact, indented and key-sorted Lists', () => {
    expect(ITEMS.length).toBeGreaterThan(200);
    for (const text of [JSON.stringify(LIST), JSON.stringify(LIST, null, 2), JSON.stringify(sortKeys(LIST), null, 4)]) {
      const b = Buffer.from(text);
      const spans = splitJsonList(b);
      expect(spans).toBeDefined();
      expect(spans!.map((s) => JSON.parse(b.toString('latin1', s.start, s.end)))).toEqual(JSON.parse(text).items);
    }
  });

  it('accepts a mutated text only when JSON.parse accepts it, and then agrees on the items (4,000 seeded mutations)', () => {
    const base = JSON.stringify({ ...LIST, items: ITEMS.slice(0, 12) }, null, 1);
    const rnd = prng(11);
    const alphabet = '{}[],:"\\ \n\t\r0123456789-+.eEtrufalsn\u0001\u007fxu';
    let accepted = 0;
    let rejected = 0;
    for (let n = 0; n < 4000; n++) {
      let text = base;
      for (let m = 1 + Math.floor(rnd() * 2); m > 0; m--) {
        const at = Math.floor(rnd() * text.length);
        const ch = alphabet[Math.floor(rnd() * alphabet.length)];
        const op = Math.floor(rnd() * 3);
        text = op === 0 ? text.slice(0, at) + text.slice(at + 1) : op === 1 ? text.slice(0, at) + ch + text.slice(at) : text.slice(0, at) + ch + text.slice(at + 1);
      }
      const b = Buffer.from(text);
      const spans = splitJsonList(b);
      if (!spans) { rejected++; continue; }
      accepted++;
      let parsed: { kind?: unknown; items?: unknown };
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new Error(`mutation ${n} was accepted but JSON.parse rejects it (${(e as Error).message})`);
      }
      expect(typeof parsed.kind === 'string' && parsed.kind.endsWith('List'), `mutation ${n}`).toBe(true);
      expect(spans.map((s) => JSON.parse(b.toString('latin1', s.start, s.end))), `mutation ${n}`).toEqual(parsed.items);
    }
    expect(accepted).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(200);
  });

  it('follows the JSON grammar of values exactly', () => {
    const item = (v: string) => Buffer.from(`{"kind":"List","items":[{"a":${v}}]}`);
    const valid = ['0', '-0', '1.5', '-0.5e+3', '2E-2', '1e9', 'true', 'false', 'null', '""', '"\\u00e9\\/\\b\\f\\n\\r\\t\\"\\\\"', '[]', '{}', '[1, {"b": [null]}]', ' { "b" : 1 } '];
    const invalid = ['1.', '-', '01', '1e', '1e+', '.5', '+1', 'tru', 'nul', '"\\x"', '"\\u12"', '"a\u0001"', '"a\tb"', '[1,]', '{"b":1,}', '{"b" 1}', '{b:1}', "'a'", '[1 2]', 'NaN', ''];
    for (const v of valid) {
      JSON.parse(item(v).toString());
      expect(splitJsonList(item(v)), v).toBeDefined();
    }
    for (const v of invalid) {
      expect(() => JSON.parse(item(v).toString()), v).toThrow();
      expect(splitJsonList(item(v)), v).toBeUndefined();
    }
  });

  it.each([
    ['a duplicate top-level key', '{"kind":"List","items":[],"items":[{"kind":"Service"}]}'],
    ['an escaped top-level key', '{"kind":"List","it\\u0065ms":[{"kind":"Service"}]}'],
    ['an object that is not a List', '{"kind":"Service","items":[{"kind":"Service"}]}'],
    ['a List without items', '{"kind":"List"}'],
    ['an item that is not an object', '{"kind":"List","items":[{"kind":"Service"},7]}'],
    ['text after the document', '{"kind":"List","items":[]} x'],
    ['a top-level array', '[{"kind":"List","items":[]}]'],
    ['nesting deeper than the reader follows', `{"kind":"List","items":[{"a":${'['.repeat(5000)}${']'.repeat(5000)}}]}`],
  ])('leaves %s to the ordinary reader', (_name, text) => {
    expect(splitJsonList(Buffer.from(text))).toBeUndefined();
  });
});

/** A slice variant: its JSON text, as it is to be read. */
function variants(slice: Record<string, unknown>, rnd: () => number): string[] {
  const plain = JSON.stringify(slice);
  const out = [plain, JSON.stringify(sortKeys(slice), null, 2)];
  for (const m of mutants(slice, rnd, 6)) out.push(JSON.stringify(m));
  // Text-level shapes the object form cannot show: repeated keys, escapes, other spellings of numbers.
  out.push(plain.replace('{', '{"addressType":"FQDN",'));
  // A repeated addressType around endpoints that only the first one allows.
  const fqdn = { ...slice, addressType: 'FQDN', endpoints: [{ addresses: ['pod.example'] }] };
  out.push(`${JSON.stringify(fqdn).slice(0, -1)},"addressType":"IPv4"}`);
  out.push(plain.replace('"endpoints":', '"endpoints":[],"endpoints":'));
  out.push(plain.replace('"conditions":{', '"conditions":{"ready":false,'));
  // hostname is not kept, but one the API server refuses must reach the checked reader.
  for (const h of ['"web-0"', '"Web_0"', '7', 'null', '""']) out.push(plain.replace('"addresses":', `"hostname":${h},"addresses":`));
  out.push(plain.replace(/"node-(\d)/, '"node\\u002d$1'));
  out.push(plain.replace('"name":', '"n\\u0061me":'));
  // An escaped optional key: skipping it as unknown would lose the field.
  out.push(plain.replace('"nodeName":', '"nodeN\\u0061me":'));
  out.push(plain.replace(/"port":(\d+)/, '"port":$1.0'));
  out.push(plain.replace(/"port":(\d+)/, '"port":$1e0'));
  out.push(plain.replace('"discovery.k8s.io/v1"', '"discovery.k8s.io/v1beta1"'));
  out.push(plain.replace('"discovery.k8s.io/v1"', '"discovery.k8s.io"'));
  out.push(plain.replace('"EndpointSlice"', '"Service"'));
  out.push(plain.replace('"metadata":{', '"metadata":{"namespace":null,'));
  out.push(plain.replace('"kubernetes.io/service-name":', '"kubernetes.io/service-name":null,"x":'));
  return out;
}

/** Decoded alone, a slice has no Service to belong to: that warning is not about its decoding. */
const decoderDiagnostics = (ds: readonly Diagnostic[]) => ds.filter((d) => d.code !== 'KPC030' && d.code !== 'KPC031' && d.code !== 'KPC035');

describe('jsonEndpointSlice', () => {
  it('reads every EndpointSlice (and thousands of variants) to what JSON.parse and the ordinary decoder give, or leaves it to them', () => {
    const slices = ITEMS.filter((o) => o.kind === 'EndpointSlice');
    expect(slices.length).toBeGreaterThan(100);
    const rnd = prng(5);
    let read = 0;
    let left = 0;
    let plainRead = 0;
    for (const slice of slices) {
      variants(slice, rnd).forEach((text, v) => {
        const raw = { value: JSON.parse(text), file: 'f.json', locate: () => 1 };
        const ordinary = decodeObjects([raw]);
        const fast = jsonEndpointSlice({ bytes: Buffer.from(text), start: 0, end: text.length }, 'f.json');
        if (!fast) { left++; return; }
        read++;
        if (v === 0) plainRead++;
        expect(decoderDiagnostics(ordinary.diagnostics), text).toEqual([]);
        // A slice kube-proxy does not watch is left out of the cluster: compare it as read.
        if (fast.unwatchedBy) expect(decodeEndpointSliceChecked(raw), text).toEqual({ slice: fast, diagnostics: [] });
        else expect(ordinary.cluster.slices, text).toEqual([fast]);
      });
    }
    // The common case is read directly: every fixture slice the ordinary decoder reads cleanly.
    const clean = slices.filter((s) => decoderDiagnostics(decodeObjects([{ value: s, file: 'f.json', locate: () => 1 }]).diagnostics).length === 0);
    expect(plainRead).toBe(clean.length);
    expect(read).toBeGreaterThan(1000);
    expect(left).toBeGreaterThan(1000);
  });
});

describe('a JSON List read through its items', () => {
  it('decodes to the same cluster as the ordinary reader, and locates problems on the same lines', () => {
    const bad = structuredClone(ITEMS) as Record<string, any>[];
    const slice = bad.find((o) => o.kind === 'EndpointSlice' && o.endpoints?.length)!;
    slice.endpoints[0].addresses = ['10.0.0.300'];
    const service = bad.find((o) => o.kind === 'Service' && o.spec?.ports?.length)!;
    service.spec.ports[0].port = 70000;
    const codes: string[][] = [];
    for (const items of [ITEMS, bad]) {
      const text = JSON.stringify({ ...LIST, items }, null, 2);
      // A non-ASCII character (in a place nothing reads) sends the same text down the ordinary path.
      const ordinaryText = text.replace('"resourceVersion": ""', '"resourceVersion": "\u00e9"');
      expect(ordinaryText).not.toBe(text);
      const fast = decodeText('c.json', text);
      const ordinary = decodeText('c.json', ordinaryText);
      expect(fast.objects.every((o) => o.json !== undefined)).toBe(true);
      expect(ordinary.objects.some((o) => o.json !== undefined)).toBe(false);
      expect(fast.cluster).toEqual(ordinary.cluster);
      expect(fast.diagnostics).toEqual(ordinary.diagnostics);
      expect(fast.diagnostics.every((d) => typeof d.line === 'number' && d.line > 1)).toBe(true);
      codes.push(fast.diagnostics.map((d) => d.code));
    }
    // The fixtures repeat objects (KPC019) and carry warnings; the two broken fields add one error each.
    const added = [...codes[1]];
    for (const c of codes[0]) added.splice(added.indexOf(c), 1);
    expect(added.sort()).toEqual(['KPC013', 'KPC015']);
  });
});

describe('decodedTwins', () => {
  it('finds the item with the same bytes, also among many items alike in the bytes it samples first', () => {
    // 1,280-byte items are sampled every 10th byte: items differing only at offsets 5 and 6 all
    // share their first hash, which sends the lookup through the hash of all bytes.
    const make = (a: number, b: number, tail = 0) => {
      const bytes = Buffer.alloc(1280, 0x20);
      bytes[0] = 0x7b;
      bytes[5] = 0x30 + a;
      bytes[6] = 0x30 + b;
      bytes[1279] = 0x7d;
      bytes[700] = 0x41 + tail;
      return bytes;
    };
    const record = new Map<RawObject, DecodedItem>();
    const raws: RawObject[] = [];
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) {
      const bytes = make(a, b);
      const raw = { value: {}, file: 'old.json', locate: () => 1, json: { bytes, start: 0, end: bytes.length } } as RawObject;
      raws.push(raw);
      record.set(raw, { service: { name: `s${a}${b}` } as never });
    }
    const twin = decodedTwins(record);
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) {
      const bytes = Buffer.concat([Buffer.from('xx'), make(a, b)]);
      const found = twin({ value: {}, file: 'new.json', locate: () => 1, json: { bytes, start: 2, end: bytes.length } });
      expect(found && 'service' in found ? found.service.name : undefined).toBe(`s${a}${b}`);
    }
    // A byte changed where the first hash looks, and one where it does not: no twin either way.
    const sampled = make(1, 2, 1);
    expect(twin({ value: {}, file: 'new.json', locate: () => 1, json: { bytes: sampled, start: 0, end: sampled.length } })).toBeUndefined();
    const unsampled = make(1, 2);
    unsampled[3] = 0x21;
    expect(twin({ value: {}, file: 'new.json', locate: () => 1, json: { bytes: unsampled, start: 0, end: unsampled.length } })).toBeUndefined();
    expect(twin({ value: {}, file: 'new.json', locate: () => 1 })).toBeUndefined();
    // The same in a bucket of one: the sampled bytes agree, the item does not.
    const one = make(3, 4);
    const lone = decodedTwins(new Map([[{ value: {}, file: 'old.json', locate: () => 1, json: { bytes: one, start: 0, end: one.length } } as RawObject, { service: { name: 'lone' } as never }]]));
    const near = make(3, 4);
    near[3] = 0x21;
    expect(lone({ value: {}, file: 'new.json', locate: () => 1, json: { bytes: near, start: 0, end: near.length } })).toBeUndefined();
    expect(lone({ value: {}, file: 'new.json', locate: () => 1, json: { bytes: make(3, 4), start: 0, end: 1280 } })).toBeDefined();
  });
});
