import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { objectsSource } from '../../src/input/objectsSource.js';
import { decodeEndpointSliceChecked } from '../../src/k8s/decodeEndpointSlice.js';
import { quickEndpointSlice } from '../../src/k8s/quickEndpointSlice.js';
import { quickService } from '../../src/k8s/quickService.js';
import { decodeServiceChecked } from '../../src/k8s/decodeService.js';
import { mutants, prng } from '../helpers/mutate.js';
import { chainHash, hashedName, hashedNames } from '../../src/util/hash.js';
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

function allOfKind(dir: string, kind: string): object[] {
  const out: object[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...allOfKind(p, kind));
    else if (/\.ya?ml$/.test(name)) {
      for (const d of yaml.loadAll(readFileSync(p, 'utf8'))) if (d && typeof d === 'object' && (d as { kind?: string }).kind === kind) out.push(d);
    }
  }
  return out;
}
const allSlices = (dir: string) => allOfKind(dir, 'EndpointSlice');

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

  it('hashedName (and hashedNames) is the prefix and the chainHash of its parts glued, however the text is split (3,000 texts)', () => {
    const rnd = prng(23);
    const alphabet = [...'abcdefghijklmnopqrstuvwxyz0123456789-/:.[]é€😀'];
    for (let i = 0; i < 3_000; i++) {
      const len = Math.floor(rnd() * (i % 50 === 0 ? 300 : 70));
      const chars = Array.from({ length: len }, () => alphabet[Math.floor(rnd() * alphabet.length)]);
      // Two cut points between characters (never inside a surrogate pair): three parts, any of them empty.
      const [x, y] = [Math.floor(rnd() * (len + 1)), Math.floor(rnd() * (len + 1))].sort((p, q) => p - q);
      const [a, b, c] = [chars.slice(0, x).join(''), chars.slice(x, y).join(''), chars.slice(y).join('')];
      const prefix = i % 2 ? 'KUBE-SEP-' : 'KUBE-SVC-';
      expect(hashedName(prefix, a, b, c), JSON.stringify([a, b, c])).toBe(prefix + referenceHash(a + b + c));
      if (i % 10 === 0) expect(hashedNames(['KUBE-SVC-', 'KUBE-FW-', ''], a, b, c)).toEqual(['KUBE-SVC-', 'KUBE-FW-', ''].map((p) => p + referenceHash(a + b + c)));
    }
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

  it('every Service the fast decoder accepts (fixtures and 6,000 seeded mutants) decodes to exactly what the checked reader gives', () => {
    const services = allOfKind(FIXTURES_DIR, 'Service');
    expect(services.length).toBeGreaterThan(100);
    const rnd = prng(17);
    // Edits that seeded mutation rarely makes: fields that must agree with each other.
    type Svc = { metadata?: Record<string, unknown>; spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ipFamilies?: string[]; ipFamilyPolicy?: string; ports?: { name?: string; nodePort?: number; targetPort?: unknown; protocol?: string }[] } };
    const edits: ((s: Svc) => void)[] = [
      (s) => { if (s.spec?.ipFamilies) s.spec.ipFamilies = s.spec.ipFamilies.map((f) => (f === 'IPv4' ? 'IPv6' : 'IPv4')); },
      (s) => { if (s.spec) s.spec.ipFamilies = ['IPv6', 'IPv4']; },
      (s) => { if (s.spec?.clusterIP) s.spec.clusterIPs = [s.spec.clusterIP, 'fd00::10']; },
      (s) => { if (s.spec?.clusterIP) s.spec.clusterIPs = [s.spec.clusterIP, '10.96.7.7']; },
      (s) => s.spec?.ports?.forEach((p) => { p.nodePort = 30001; }),
      (s) => s.spec?.ports?.forEach((p) => { p.name = 'same'; }),
      (s) => { if (s.spec) s.spec.ipFamilyPolicy = 'SingleStack'; },
      (s) => { if (s.spec?.clusterIP) { s.spec.ipFamilyPolicy = 'SingleStack'; s.spec.clusterIPs = [s.spec.clusterIP, 'fd00::10']; } },
      (s) => { if (s.spec) { s.spec.ipFamilyPolicy = 'SingleStack'; s.spec.ipFamilies = ['IPv4', 'IPv6']; } },
      (s) => { if (s.spec) s.spec.ipFamilyPolicy = 'RequireDualStack'; },
      (s) => { if (s.spec) s.spec.clusterIP = 'None'; },
      ...['http', 'Http', '8080', 'a--b', '-a', 'abcdefghijklmnop', 8080, 0, 70000, -1, 1.5, true].map((t) => (s: Svc) => s.spec?.ports?.forEach((p) => { p.targetPort = t; })),
      (s) => s.spec?.ports?.forEach((p, i) => { p.nodePort = 30001 + (i % 2); p.protocol = i % 2 ? 'UDP' : 'TCP'; }),
      (s) => { s.metadata = { ...s.metadata, labels: { app: 'x', 'service.kubernetes.io/service-proxy-name': 'other' } }; },
      (s) => { s.metadata = { ...s.metadata, labels: { 'service.kubernetes.io/headless': '', 'service.kubernetes.io/service-proxy-name': '' } }; },
      (s) => { s.metadata = { ...s.metadata, labels: 'not a mapping' }; },
      ...['PreferClose', 'PreferSameNode', 'preferclose', '', 7, null].map((d) => (s: Svc) => { if (s.spec) (s.spec as Record<string, unknown>).trafficDistribution = d; }),
    ];
    const edited = services.flatMap((s) => edits.map((edit) => { const c = structuredClone(s) as Svc; edit(c); return c; }));
    const cases = [...services, ...edited, ...services.flatMap((s) => mutants(s, rnd, Math.ceil(6000 / services.length)))];
    let accepted = 0;
    let rejected = 0;
    let cleanPlain = 0;
    let acceptedPlain = 0;
    cases.forEach((value, i) => {
      const [raw] = objectsSource('fixture', [value as object]);
      const quick = quickService(raw);
      const checked = decodeServiceChecked(raw);
      if (i < services.length && checked.diagnostics.length === 0 && (value as { spec?: { type?: string } }).spec?.type !== 'ExternalName') cleanPlain++;
      if (!quick) { rejected++; return; }
      accepted++;
      if (i < services.length) acceptedPlain++;
      expect(checked.diagnostics, JSON.stringify(value)).toEqual([]);
      expect(quick, JSON.stringify(value)).toEqual(checked.service);
    });
    // The common case takes the fast path: every fixture Service the checked reader reads cleanly (ExternalName aside).
    expect(acceptedPlain).toBe(cleanPlain);
    expect(accepted).toBeGreaterThan(1500);
    expect(rejected).toBeGreaterThan(1500);
  });
});
