import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { objectsSource } from '../../src/input/objectsSource.js';
import { decodeEndpointSliceChecked } from '../../src/k8s/decodeEndpointSlice.js';
import { quickEndpointSlice } from '../../src/k8s/quickEndpointSlice.js';
import { chainHash } from '../../src/util/hash.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';

/** kube-proxy's definition, computed with node:crypto as the reference. */
function referenceHash(text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of digest.subarray(0, 10)) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < 80; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

function allSlices(dir: string): object[] {
  const out: object[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...allSlices(p));
    else if (/\.ya?ml$/.test(name)) {
      for (const d of yaml.loadAll(readFileSync(p, 'utf8'))) if (d && typeof d === 'object' && (d as { kind?: string }).kind === 'EndpointSlice') out.push(d);
    }
  }
  return out;
}

describe('fast paths agree with their reference', () => {
  it('chainHash equals SHA-256 + base32 from node:crypto (10,000 strings, ASCII, non-ASCII, long)', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-/:.[]é€😀';
    for (let i = 0; i < 10_000; i++) {
      const len = Math.floor(rnd() * (i % 100 === 0 ? 400 : 80));
      let s = '';
      for (let j = 0; j < len; j++) s += [...alphabet][Math.floor(rnd() * [...alphabet].length)];
      expect(chainHash(s), JSON.stringify(s)).toBe(referenceHash(s));
    }
    for (const n of [0, 55, 56, 63, 64, 119, 120, 1000]) expect(chainHash('x'.repeat(n))).toBe(referenceHash('x'.repeat(n)));
  });

  it('every EndpointSlice the fast decoder accepts decodes to exactly what the checked reader gives', () => {
    const slices = allSlices(FIXTURES_DIR);
    expect(slices.length).toBeGreaterThan(100);
    let accepted = 0;
    for (const raw of objectsSource('fixture', slices)) {
      const quick = quickEndpointSlice(raw);
      const checked = decodeEndpointSliceChecked(raw);
      if (quick) {
        accepted++;
        expect(checked.diagnostics).toEqual([]);
        expect(quick).toEqual(checked.slice);
      }
    }
    expect(accepted).toBeGreaterThan(slices.length / 2);
  });
});
