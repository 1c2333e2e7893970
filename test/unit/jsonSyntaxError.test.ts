import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../../src/input/jsonSyntaxError.js';
import { generateCluster } from '../../bench/generate.mjs';
import { prng } from '../helpers/mutate.js';

const accepts = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('jsonSyntaxError', () => {
  it('agrees with JSON.parse on which texts are JSON, over thousands of one-character edits of a real document', () => {
    const doc = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ a: [1, -2.5e3, true, false, null, 'x\\"y\u00e9'], b: { c: {} , d: [] } }] }, null, 1);
    const rnd = prng(11);
    const alphabet = ' \n\t{}[],:"\\-+.0123456789eEtrufalsn/x\u0001';
    let invalid = 0;
    for (let n = 0; n < 4000; n++) {
      const at = Math.floor(rnd() * doc.length);
      const kind = Math.floor(rnd() * 3);
      const ch = alphabet[Math.floor(rnd() * alphabet.length)];
      const text = kind === 0 ? doc.slice(0, at) + doc.slice(at + 1) : kind === 1 ? doc.slice(0, at) + ch + doc.slice(at) : doc.slice(0, at) + ch + doc.slice(at + 1);
      const found = jsonSyntaxError(text);
      expect(found === undefined, JSON.stringify(text)).toBe(accepts(text));
      if (found) {
        invalid++;
        expect(found.offset).toBeGreaterThanOrEqual(0);
        expect(found.offset).toBeLessThanOrEqual(text.length);
      }
    }
    // The edits break the document often enough for this to say something.
    expect(invalid).toBeGreaterThan(1000);
  });

  it('accepts a generated cluster List, compact and indented', () => {
    const { list } = generateCluster({ services: 50, endpoints: 3 });
    for (const text of [JSON.stringify(list), JSON.stringify(list, null, 2)]) expect(jsonSyntaxError(text)).toBeUndefined();
  });

  it.each([
    ['[1,2,]', 4, "a trailing comma before ']'"],
    ['{"a":1,\n}', 6, "a trailing comma before '}'"],
    ['{"a" 1}', 5, "expected ':' after a property name, found \"1\""],
    ['{a:1}', 1, 'expected a property name in double quotes, found "a"'],
    ['["abc', 1, 'a string that is never closed'],
    ['[1]x', 3, '"x" after the end of the JSON value'],
  ])('%j: offset %d, %s', (text, offset, reason) => {
    expect(jsonSyntaxError(text)).toEqual({ offset, reason });
  });

  it('reads nesting far deeper than a recursive reader could', () => {
    expect(jsonSyntaxError(`${'['.repeat(100000)}${']'.repeat(100000)}`)).toBeUndefined();
    expect(jsonSyntaxError(`${'['.repeat(100000)}${']'.repeat(99999)}`)?.reason).toBe("expected ',' or ']', found the end of the text");
  });
});
