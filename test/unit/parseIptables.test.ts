import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIptables, tokenize } from '../../src/backends/iptables/parseIptables.js';
import { renderDump } from '../../src/backends/iptables/renderDump.js';
import { listFixtures } from '../helpers/fixtures.js';

describe('parseIptables round trip: render(parse(x)) == x', () => {
  for (const f of listFixtures()) {
    for (const [file, style] of [['restore.txt', 'restore'], ['save.txt', 'save']] as const) {
      const path = join(f.dir, 'expected', file);
      if (!existsSync(path)) continue;
      it(`fixtures/${f.name}/expected/${file}`, () => {
        const text = readFileSync(path, 'utf8');
        const { dump, diagnostics } = parseIptables(text, path);
        expect(diagnostics).toEqual([]);
        expect(renderDump(dump!, style, f.family === 'ipv6' ? 'IPv6' : 'IPv4')).toBe(text);
      });
    }
  }

  it('reads the IPVS-mode spelling of a bare protocol (-p tcp without -m tcp)', () => {
    const text = '*nat\n:KUBE-NODE-PORT - [0:0]\n-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ\nCOMMIT\n';
    const { dump } = parseIptables(text, 'x');
    expect(renderDump(dump!, 'restore', 'IPv4')).toBe(text);
  });

  it.each([
    ['-A X -m frobnicate --frob 1 -j ACCEPT', /KPC051: unsupported argument "--frob" \(in -m frobnicate\)/],
    ['-A X -m comment --comment "unterminated', /KPC050: unterminated quote/],
    ['-I X 1 -j ACCEPT', /KPC050: expected -A CHAIN/],
  ])('reports %j with its line', (rule, message) => {
    const { dump, diagnostics } = parseIptables(`*filter\n:X - [0:0]\n${rule}\nCOMMIT\n`, 'dump.txt');
    expect(dump).toBeUndefined();
    expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.code}: ${d.message}`).join('\n')).toMatch(new RegExp(`dump\\.txt:3: ${message.source}`));
  });
});

describe('tokenize (rule arguments, quotes as iptables-save writes them)', () => {
  it.each([
    ['-A X -m comment --comment "a b" -j Y', ['-A', 'X', '-m', 'comment', '--comment', 'a b', '-j', 'Y']],
    ['-A X\t-s 10.0.0.1/32  -j Y', ['-A', 'X', '-s', '10.0.0.1/32', '-j', 'Y']],
    ['-A X --comment "say \\"hi\\" \\\\ ok" -j Y', ['-A', 'X', '--comment', 'say "hi" \\ ok', '-j', 'Y']],
    ['-A X --comment "plain" --x a\\b', ['-A', 'X', '--comment', 'plain', '--x', 'a\\b']],
    ['-A X --comment ""', ['-A', 'X', '--comment', '']],
    ['  -A   X  ', ['-A', 'X']],
  ])('%s', (line, args) => expect(tokenize(line)).toEqual(args));

  it('refuses an unclosed quote', () => {
    expect(tokenize('-A X --comment "open')).toBeUndefined();
    expect(tokenize('-A X --comment "ends with \\"')).toBeUndefined();
  });
});
