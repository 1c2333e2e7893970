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
    const text = '*nat\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-NODE-PORT - [0:0]\n-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ\nCOMMIT\n';
    const { dump } = parseIptables(text, 'x');
    expect(renderDump(dump!, 'restore', 'IPv4')).toBe(text);
  });

  it.each([
    ['-A X -m comment --comment "unterminated', /KPC050: unterminated quote/],
    ['-I X 1 -j ACCEPT', /KPC050: expected -A CHAIN/],
    // Values iptables itself refuses: iptables-restore would not load these lines.
    ['-A X -m statistic --mode random --probability abc -j ACCEPT', /KPC050: --probability "abc" is not a number from 0 to 1/],
    ['-A X -m statistic --mode random --probability NaN -j ACCEPT', /KPC050: --probability "NaN" is not a number from 0 to 1/],
    ['-A X -m statistic --mode random --probability 2.5 -j ACCEPT', /KPC050: --probability "2.5" is not a number from 0 to 1/],
    ['-A X -d 10.96.10.300/32 -j ACCEPT', /KPC050: -d "10.96.10.300\/32" is not a valid address or CIDR/],
    ['-A X ! -s 10.0.0.0/33 -j ACCEPT', /KPC050: -s "10.0.0.0\/33" is not a valid address or CIDR/],
    ['-A X -p tcp -m tcp --dport 99999 -j ACCEPT', /KPC050: --dport 99999 is not a port \(0-65535\)/],
    ['-A X -j', /KPC050: -j needs a value/],
  ])('reports %j with its line', (rule, message) => {
    const { dump, diagnostics } = parseIptables(`*filter\n:X - [0:0]\n${rule}\nCOMMIT\n`, 'dump.txt');
    expect(dump).toBeUndefined();
    expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.code}: ${d.message}`).join('\n')).toMatch(new RegExp(`dump\\.txt:3: ${message.source}`));
  });
});

describe('parseIptables: a table comes once', () => {
  it('a second *nat is KPC050 at its line, naming the first', () => {
    const text = '*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n*filter\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n';
    const { dump, diagnostics } = parseIptables(text, 'dump.txt');
    expect(dump).toBeUndefined();
    expect(diagnostics.map((d) => `${d.line}: ${d.code}: ${d.message}`)).toEqual([
      '6: KPC050: table nat comes a second time (first at line 1): iptables-save writes each table once, and iptables-restore would flush what the first one loaded',
    ]);
  });
});

describe('parseIptables keeps a rule it cannot spell back exactly as its text', () => {
  // X holds the rule; KUBE-SEP-A is a chain rules jump to (a jump needs its chain declared above it).
  const CHAINS = ':X - [0:0]\n:KUBE-SEP-A - [0:0]\n';
  const read = (rule: string) => {
    const { dump, diagnostics } = parseIptables(`*filter\n${CHAINS}${rule}\nCOMMIT\n`, 'dump.txt');
    expect(diagnostics).toEqual([]);
    return dump!.tables[0].rules[0];
  };

  it.each([
    // Other programs' modules and targets.
    ['-A X -o eth0 -j ACCEPT', '-o eth0 -j ACCEPT'],
    ['-A X -p icmp -m icmp --icmp-type 8 -j ACCEPT', '-p icmp -m icmp --icmp-type 8 -j ACCEPT'],
    ['-A X -p tcp -m multiport --dports 80,443 -j ACCEPT', '-p tcp -m multiport --dports 80,443 -j ACCEPT'],
    ['-A X -m state --state RELATED,ESTABLISHED -j ACCEPT', '-m state --state RELATED,ESTABLISHED -j ACCEPT'],
    ['-A X -m limit --limit 5/min -j LOG --log-prefix "dropped: "', '-m limit --limit 5/min -j LOG --log-prefix "dropped: "'],
    ['-A X -m physdev --physdev-out veth0 -j ACCEPT', '-m physdev --physdev-out veth0 -j ACCEPT'],
    ['-A X -g Y', '-g Y'],
    ['-A X -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu', '-p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu'],
    ['-A X -j CT --notrack', '-j CT --notrack'],
    ['-A X -j MARK --set-xmark 0x0/0xe0000', '-j MARK --set-xmark 0x0/0xe0000'],
    // kube-proxy's modules with values it does not write: read with a loss, so kept whole.
    ['-A X -j REJECT --reject-with tcp-reset', '-j REJECT --reject-with tcp-reset'],
    ['-A X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A --mask 255.255.0.0 --rsource -j KUBE-SEP-A', '-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A --mask 255.255.0.0 --rsource -j KUBE-SEP-A'],
    ['-A X -m recent --rcheck --seconds 10800 --name KUBE-SEP-A --mask 255.255.255.255 --rsource -j KUBE-SEP-A', '-m recent --rcheck --seconds 10800 --name KUBE-SEP-A --mask 255.255.255.255 --rsource -j KUBE-SEP-A'],
    ['-A X -m connmark --mark 0x4000/0x4000 -j RETURN', '-m connmark --mark 0x4000/0x4000 -j RETURN'],
    ['-A X -j CONNMARK --set-xmark 0x4000/0x4000', '-j CONNMARK --set-xmark 0x4000/0x4000'],
    ['-A X -m commentx --comment "a b" -j Y', '-m commentx --comment "a b" -j Y'],
    ['-A X -m comment --comment plain -j Y --to-destination x', '-m comment --comment plain -j Y --to-destination x'],
    // Values iptables takes but kube-proxy never writes: a host name, a port range.
    ['-A X -s gateway.local -j ACCEPT', '-s gateway.local -j ACCEPT'],
    ['-A X -p tcp -m tcp --dport 80:90 -j ACCEPT', '-p tcp -m tcp --dport 80:90 -j ACCEPT'],
  ])('%s', (rule, text) => {
    const r = read(rule);
    expect(r.opaque).toBe(text);
    const { dump } = parseIptables(`*filter\n${CHAINS}${rule}\nCOMMIT\n`, 'dump.txt');
    expect(renderDump(dump!, 'save', 'IPv4')).toBe(`*filter\n${CHAINS}-A X ${text}\nCOMMIT\n`);
  });

  it.each([
    // kube-proxy's own spellings stay typed: the save view (either family) and the payload.
    '-A X -j REJECT --reject-with icmp-port-unreachable',
    '-A X -j REJECT --reject-with icmp6-port-unreachable',
    '-A X -j REJECT',
    '-A X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A --mask 255.255.255.255 --rsource -j KUBE-SEP-A',
    '-A X -m comment --comment "a b" -m mark --mark 0x4000/0x4000 -j RETURN',
    '[3:180] -A X -m mark --mark 0x4000/0x4000 -j RETURN',
    '-A X -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT',
    '-A X   -j MARK --set-xmark 0x4000/0x4000',
  ])('%s stays typed', (rule) => expect(read(rule).opaque).toBeUndefined());

  it('two lines that tokenize alike are the same text, whatever their quoting and spacing', () => {
    expect(read('-A X -o  eth0 -m comment --comment "x" -j LOG').opaque).toBe(read('-A X -o eth0 -m comment --comment x -j LOG').opaque);
    expect(read('-A X -o eth0 -m comment --comment "say \\"hi\\"" -j LOG').opaque).toBe('-o eth0 -m comment --comment "say \\"hi\\"" -j LOG');
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
