import { describe, expect, it } from 'vitest';
import { repeatedJsonKeys } from '../../src/input/repeatedJsonKeys.js';
import { splitJsonList } from '../../src/input/jsonList.js';
import { decodeSource } from '../../src/input/readInputs.js';
import type { RawObject } from '../../src/input/rawObject.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { prng } from '../helpers/mutate.js';

/**
 * Random JSON text whose repeated keys are known as it is written: each object draws its keys
 * from a few, some spelt with escapes, and the generator notes where a key it already gave that
 * object comes again. Strings hold the characters a scanner could mistake for structure.
 */
function generate(seed: number): { text: string; repeated: { key: string; offset: number }[] } {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  // Each key as written, and as JSON.parse reads it.
  const KEYS: readonly [string, string][] = [['"a"', 'a'], ['"\\u0061"', 'a'], ['"b"', 'b'], ['"name"', 'name'], ['"n\\u0061me"', 'name'], ['""', ''], ['"x\\"y"', 'x"y'], ['"{"', '{']];
  const WIDE: readonly [string, string][] = Array.from({ length: 60 }, (_, k) => [`"k${k}"`, `k${k}`]);
  const STRINGS = ['"plain"', '"{\\"a\\":1}"', '"[,]"', '"\\\\"', '"a\\\\\\"b"', '"\\n"', '","', '":"'];
  const repeated: { key: string; offset: number }[] = [];
  let text = '';
  const value = (depth: number): void => {
    const r = rnd();
    if (depth < 4 && r < 0.35) {
      text += pick(['{', '{ ', '{\n']);
      const seen = new Set<string>();
      // Now and then an object of many keys, past what is compared by offsets alone.
      const many = rnd() < 0.05;
      const n = many ? 30 + Math.floor(rnd() * 20) : Math.floor(rnd() * 5);
      for (let i = 0; i < n; i++) {
        if (i) text += pick([',', ', ', ',\n']);
        const [written, key] = many && rnd() < 0.8 ? pick(WIDE) : pick(KEYS);
        if (seen.has(key)) repeated.push({ key, offset: text.length });
        seen.add(key);
        text += `${written}${pick([':', ' : '])}`;
        value(depth + 1);
      }
      text += '}';
    } else if (depth < 4 && r < 0.55) {
      text += '[';
      const n = Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) {
        if (i) text += ',';
        value(depth + 1);
      }
      text += ']';
    } else {
      text += pick([...STRINGS, '1', '-2.5e3', 'true', 'null']);
    }
  };
  text += '{"top":';
  value(0);
  text += '}';
  return { text, repeated };
}

describe('repeatedJsonKeys', () => {
  it('finds exactly the keys a generator repeated, escapes undone, in 3,000 random texts', () => {
    let found = 0;
    for (let seed = 1; seed <= 3_000; seed++) {
      const { text, repeated } = generate(seed);
      JSON.parse(text);
      expect(repeatedJsonKeys(text), text).toEqual(repeated);
      found += repeated.length;
    }
    // The texts are about something: many repetitions among them.
    expect(found).toBeGreaterThan(500);
  });

  it('names each repetition, not each copy, and leaves arrays and string values alone', () => {
    const text = '{"a":1,"b":["a","a"],"a":2,"c":{"a":3},"a":{"a":"a"}}';
    expect(repeatedJsonKeys(text)).toEqual([
      { key: 'a', offset: text.indexOf('"a":2') },
      { key: 'a', offset: text.indexOf('"a":{') },
    ]);
    expect(repeatedJsonKeys('[{"k":1},{"k":2}]')).toEqual([]);
  });

  it('reads an object of a hundred thousand keys, one of them escaped, in one pass (no key compared with every other)', () => {
    const members = Array.from({ length: 100_000 }, (_, k) => `"key${k}":${k}`);
    members[50_000] = '"\\u006bey7":0';
    const text = `{${members.join(',')}}`;
    expect(repeatedJsonKeys(text)).toEqual([{ key: 'key7', offset: text.indexOf('"\\u006bey7"') }]);
    const plain = `{${Array.from({ length: 100_000 }, (_, k) => `"key${k}":${k}`).join(',')},"key99":1}`;
    expect(repeatedJsonKeys(plain)).toEqual([{ key: 'key99', offset: plain.lastIndexOf('"key99"') }]);
  });
});

describe('the JSON List reader and repeated keys', () => {
  const list = (item: string) => Buffer.from(`{"kind":"List","apiVersion":"v1","items":[{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"m"}},${item}]}`);

  it('leaves a List to JSON.parse when any object repeats a key, has an escaped one or more than it compares', () => {
    expect(splitJsonList(list('{"kind":"ConfigMap","data":{"a":"1","b":"2"}}'))).toHaveLength(2);
    expect(splitJsonList(list('{"kind":"ConfigMap","data":{"a":"1","a":"2"}}'))).toBeUndefined();
    expect(splitJsonList(list('{"kind":"ConfigMap","data":{"a":"1","\\u0062":"2"}}'))).toBeUndefined();
    // Keys of the same length that differ only in their last byte are different keys.
    expect(splitJsonList(list('{"kind":"ConfigMap","data":{"ab":"1","aa":"2","":"3"}}'))).toHaveLength(2);
    const many = (n: number) => `{"kind":"ConfigMap","data":{${Array.from({ length: n }, (_, i) => `"k${i}":"v"`).join(',')}}}`;
    expect(splitJsonList(list(many(128)))).toHaveLength(2);
    expect(splitJsonList(list(many(129)))).toBeUndefined();
    // A key repeated in two sibling objects is no repetition.
    expect(splitJsonList(list('{"kind":"ConfigMap","x":{"a":1},"y":{"a":1}}'))).toHaveLength(2);
  });

  it('reads such a List as JSON.parse does, with a KPC007 warning at each repetition\'s line', () => {
    const text = '{"kind":"List","apiVersion":"v1","items":[\n{"apiVersion":"v1","kind":"ConfigMap",\n"metadata":{"name":"a",\n"name":"b"}},\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"1",\n\n"\\u006b":"2"}}]}';
    const objects: RawObject[] = [];
    const diagnostics: Diagnostic[] = [];
    decodeSource('in.json', Buffer.from(text), objects, diagnostics);
    expect(objects.map((o) => o.value)).toEqual((JSON.parse(text) as { items: unknown[] }).items);
    expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.severity} ${d.code}: ${d.message}`)).toEqual([
      'in.json:4: warning KPC007: key "name" appears a second time in its object: the last value is used, as kubectl reads it',
      'in.json:7: warning KPC007: key "k" appears a second time in its object: the last value is used, as kubectl reads it',
    ]);
  });

  it('warns in a stream of JSON objects at the line of the object it is in', () => {
    const text = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}\n{"apiVersion":"v1","kind":"ConfigMap",\n"metadata":{"name":"b","name":"c"}}\n';
    const objects: RawObject[] = [];
    const diagnostics: Diagnostic[] = [];
    decodeSource('in.json', Buffer.from(text), objects, diagnostics);
    expect(objects.map((o) => (o.value.metadata as { name: string }).name)).toEqual(['a', 'c']);
    expect(diagnostics.map((d) => `${d.line}: ${d.code}: ${d.message}`)).toEqual(['3: KPC007: key "name" appears a second time in its object: the last value is used, as kubectl reads it']);
  });

  it('names twenty repetitions, then one warning for the rest', () => {
    const labels = Array.from({ length: 30 }, (_, i) => `"k${i}":"a",\n"k${i}":"b"`).join(',\n');
    const text = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m","labels":{\n${labels}}}}`;
    const diagnostics: Diagnostic[] = [];
    decodeSource('in.json', Buffer.from(text), [], diagnostics);
    expect(diagnostics).toHaveLength(21);
    // Label k<i> is written on lines 2 + 2i and 3 + 2i; the repetition is the second.
    expect(`${diagnostics[19].line}: ${diagnostics[19].message}`).toBe('41: key "k19" appears a second time in its object: the last value is used, as kubectl reads it');
    expect(`${diagnostics[20].line}: ${diagnostics[20].message}`).toBe('43: 10 more keys appear a second time in their objects, from key "k20" on (only the first 20 are named): the last value of each is used, as kubectl reads it');
  });
});
