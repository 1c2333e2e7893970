import { describe, expect, it } from 'vitest';
import { chainHash } from '../../src/util/hash.js';
import { toFixedHalfEven } from '../../src/util/decimal.js';
import { formatCidr, formatIp, joinHostPort, parseCidr, parseIp } from '../../src/util/ip.js';
import { probability } from '../../src/backends/iptables/probability.js';
import { savedProbability } from '../../src/backends/iptables/writeSaveRule.js';
import { goHex08 } from '../../src/backends/iptables/writeRestoreRule.js';
import { orderByName, sortNames } from '../../src/util/orderByName.js';

describe('chainHash (kube-proxy chain names)', () => {
  // Hash inputs and results are kube-proxy's published examples.
  it.each([
    ['ns1/svc1:p80tcp', 'XPGD46QRK7WJZT7O'],
    ['ns2/svc2:p80tcp', 'GNZBNJ2PO5MGZ6GT'],
    ['ns1/svc1tcp', 'AQI2S6QIMU7PVVRP'],
    ['ns1/svc1:p80tcp10.180.0.1:80', 'SXIVWICOYRO3J4NJ'],
    ['ns1/svc1:p80tcp[fd00:10:180::1]:80', 'OGYCNMB4EMRUSJ6N'],
  ])('%s -> %s', (input, hash) => expect(chainHash(input)).toBe(hash));
});

describe('probability (Go %0.10f of 1/n)', () => {
  it.each([
    [2, '0.5000000000'],
    [3, '0.3333333333'],
    [100000, '0.0000100000'],
    [100001, '0.0000099999'],
    // 1/2048 = 0.00048828125 exactly: a tie that Go rounds to even; Number#toFixed would give ...813.
    [2048, '0.0004882812'],
  ])('1/%i -> %s', (n, text) => expect(probability(n)).toBe(text));

  it('agrees with Number#toFixed wherever there is no exact tie (n = 1..5000)', () => {
    for (let n = 1; n <= 5000; n++) if (n !== 2048) expect(probability(n)).toBe((1 / n).toFixed(10));
  });
  it('rounds an exact binary tie to even', () => {
    expect(toFixedHalfEven(0.125, 2)).toBe('0.12');
    expect(toFixedHalfEven(0.375, 2)).toBe('0.38');
    expect(toFixedHalfEven(2.5, 0)).toBe('2');
  });
});

describe('savedProbability (what iptables-save prints for a payload probability)', () => {
  // Values observed from iptables-save 1.8.9 after loading the payload probabilities.
  it.each([
    ['0.5000000000', '0.50000000000'],
    ['0.3333333333', '0.33333333349'],
    ['0.0004882812', '0.00048828125'],
    // 1/4096 is stored exactly and prints as a tie at 11 digits: glibc rounds it to even.
    ['0.0002441406', '0.00024414062'],
  ])('%s -> %s', (p, text) => expect(savedProbability(p)).toBe(text));
});

describe('IP parsing and canonical text', () => {
  it.each([
    ['172.30.0.041', '172.30.0.41'],
    ['010.180.000.001', '10.180.0.1'],
    ['FD00:10:180:0:0:0:0:1', 'fd00:10:180::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::', '::'],
  ])('%s -> %s', (text, canon) => expect(formatIp(parseIp(text)!)).toBe(canon));
  it.each(['1.2.3', '1.2.3.256', '1::2::3', 'fd00::g', '', ' 1.2.3.4'])('rejects %j', (t) => expect(parseIp(t)).toBeUndefined());
  it('masks CIDRs to their network', () => {
    expect(formatCidr(parseCidr('203.0.113.000/025')!)).toBe('203.0.113.0/25');
    expect(formatCidr(parseCidr('10.1.2.3/8')!)).toBe('10.0.0.0/8');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });
});

describe("goHex08 (Go's %#08x for the masquerade mark)", () => {
  it.each([[0x4000, '0x00004000'], [0x1, '0x00000001'], [0x80000000, '0x80000000']])('%i -> %s', (n, t) => expect(goHex08(n)).toBe(t));
});

describe('orderByName (fast code-unit ordering of chain names)', () => {
  /** The reference: a comparator sort of indices, ties by index. */
  const reference = (names: readonly string[]) => names.map((_, i) => i).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b));
  const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  // A fixed-seed generator, so a failure reproduces.
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const hash = (len: number) => Array.from({ length: len }, () => BASE32[rnd(32)]).join('');

  it('orders a large ruleset\'s chain names exactly as a comparator sort does', () => {
    const names: string[] = [];
    for (let i = 0; i < 6000; i++) names.push(`KUBE-SEP-${hash(16)}`);
    for (let i = 0; i < 1500; i++) names.push(`KUBE-SVC-${hash(16)}`, `KUBE-EXT-${hash(16)}`, `KUBE-FW-${hash(16)}`);
    // Fixed chains whose bucket ("KUBE-") is a prefix of the hashed ones', duplicates, and names
    // that agree on many characters after their bucket.
    names.push('KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', 'KUBE-SEP-AAAAAAAAAAAAAAAA', 'KUBE-SEP-AAAAAAAAAAAAAAAA', 'KUBE-SEP-AAAAAAAAAAAAAAAB', 'KUBE-SEP-AAAAAAAAAAA', 'KUBE-SEP-', 'FOO', 'KUBE-SEP-ÄÖ', 'KUBE-SEP-a');
    for (let i = 0; i < 400; i++) names.push(`KUBE-SVC-QQQQQQQQ${hash(8)}`);
    const order = orderByName(names);
    expect(order).toEqual(reference(names));
    expect(sortNames(names)).toEqual([...names].sort());
  });

  it('handles names with no dash, one bucket only, and small lists', () => {
    const plain = Array.from({ length: 3000 }, () => hash(rnd(6)));
    expect(orderByName(plain)).toEqual(reference(plain));
    const one = Array.from({ length: 3000 }, () => `X-${hash(3)}`);
    expect(orderByName(one)).toEqual(reference(one));
    expect(orderByName(['b', 'a', 'b', 'a'])).toEqual([1, 3, 0, 2]);
    expect(orderByName([])).toEqual([]);
  });
});

describe('joinHostPort (Go net.JoinHostPort)', () => {
  it('spells ip:port and [ip]:port exactly as joining the parts does, for every port width and odd inputs', () => {
    const reference = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
    const ips = ['10.0.0.1', '255.255.255.255', '::1', 'fd00:10:180::1', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '', 'x'.repeat(64), 'x'.repeat(65), 'é::1', 'caf\u00e9'];
    const ports = [0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535, 65536, -1, 1.5, 123456];
    for (const ip of ips) for (const port of ports) expect(joinHostPort(ip, port), `${ip} ${port}`).toBe(reference(ip, port));
    // One buffer serves every call: a long text after a short one leaves nothing behind.
    expect([joinHostPort('1.2.3.4', 80), joinHostPort('::1', 8080), joinHostPort('1.2.3.4', 5)]).toEqual(['1.2.3.4:80', '[::1]:8080', '1.2.3.4:5']);
  });
});
