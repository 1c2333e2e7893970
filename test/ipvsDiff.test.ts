import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIpset, parseIpvsadm } from '../src/backends/ipvs/parseIpvs.js';
import { renderIpset, renderIpvsadm } from '../src/backends/ipvs/renderIpvs.js';
import { FIXTURES_DIR, listFixtures } from './helpers/fixtures.js';
import { runCli } from './helpers/runCli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kpc-ipvsdiff-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const demo = join(FIXTURES_DIR, 'demo');

function editedDemo(name: string, file: string, edit: (t: string) => string): string {
  const dir = join(tmp, name);
  cpSync(demo, dir, { recursive: true });
  rmSync(join(dir, 'expected'), { recursive: true, force: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
  return dir;
}

describe('IPVS text formats round-trip: render(parse(x)) == x', () => {
  for (const f of listFixtures()) {
    it(`fixtures/${f.name} --backend ipvs --format ipvsadm / ipset`, async () => {
      for (const [format, parse, render] of [
        ['ipvsadm', (t: string) => ({ virtualServers: parseIpvsadm(t, 'x').servers! }), renderIpvsadm],
        ['ipset', (t: string) => ({ ipsets: parseIpset(t, 'x').sets! }), renderIpset],
      ] as const) {
        const run = await runCli([f.dir, ...f.args, '--backend', 'ipvs', '--format', format]);
        expect(run.code).toBe(0);
        const state = { family: 'IPv4', virtualServers: [], ipsets: [], addresses: [], iptables: { family: 'IPv4', payload: [], baseRules: [], extraChains: [] }, ...parse(run.stdout) } as const;
        expect(render(state as never)).toBe(run.stdout);
      }
    });
  }
});

describe('kproxy-compile diff --backend ipvs', () => {
  it('diff X X is empty for every fixture', async () => {
    for (const f of listFixtures()) {
      const run = await runCli(['diff', f.dir, f.dir, ...f.args, '--backend', 'ipvs', '--output', 'json']);
      expect(run.code, f.name).toBe(0);
      expect(JSON.parse(run.stdout).changes).toEqual([]);
    }
  });

  it('manifests against their own --format all dump: no differences', async () => {
    const dump = join(tmp, 'demo.ipvs');
    writeFileSync(dump, (await runCli([demo, '--backend', 'ipvs'])).stdout);
    const run = await runCli(['diff', demo, dump, '--backend', 'ipvs']);
    expect(run.stdout).toBe('no differences\n');
    expect(run.code).toBe(0);
  });

  it('an IPVS-mode dump given to the iptables diff, or any dump given to churn, is named for what it is', async () => {
    const cases: [string, string[], string][] = [
      ['demo-x.ipvsadm', ['--backend', 'ipvs', '--format', 'ipvsadm'], 'an ipvsadm -Sn dump'],
      ['demo-x.ipset', ['--backend', 'ipvs', '--format', 'ipset'], 'an ipset save dump'],
      ['demo-x.all', ['--backend', 'ipvs'], 'a kproxy-compile --backend ipvs --format all document'],
    ];
    for (const [name, flags, kind] of cases) {
      const file = join(tmp, name);
      writeFileSync(file, (await runCli([demo, ...flags])).stdout);
      const run = await runCli(['diff', demo, file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`<flags>: error KPC040: ${file} is ${kind}: compare IPVS mode's dumps with --backend ipvs\n`);
    }
    const save = join(tmp, 'demo-x.save');
    writeFileSync(save, (await runCli([demo])).stdout);
    const churn = await runCli(['churn', demo, save]);
    expect(churn.code).toBe(2);
    expect(churn.stdout).toBe('');
    expect(churn.stderr).toBe(`<flags>: error KPC040: ${save} is an iptables rules dump: churn replays cluster states (manifests); compare dumps with diff\n`);
  });

  it('two dumps with no part in common (ipvsadm rules against ipsets) are refused, not called equal', async () => {
    const ipvsadm = join(tmp, 'demo.ipvsadm');
    const ipset = join(tmp, 'demo.ipset');
    writeFileSync(ipvsadm, (await runCli([demo, '--backend', 'ipvs', '--format', 'ipvsadm'])).stdout);
    writeFileSync(ipset, (await runCli([demo, '--backend', 'ipvs', '--format', 'ipset'])).stdout);
    const run = await runCli(['diff', ipvsadm, ipset, '--backend', 'ipvs', '--output', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('<flags>: error KPC040: the two sides have no part in common to compare: OLD holds ipvsadm rules, NEW holds ipsets (give dumps of the same kind, or manifests on one side)\n');
    // One part in common is enough: the ipsets against the manifests (which hold all three).
    expect((await runCli(['diff', demo, ipset, '--backend', 'ipvs'])).code).toBe(0);
  });

  it('an endpoint replaced: real servers swapped on every virtual server of the Service, loop-back entry unchanged (remote pod)', async () => {
    const b = editedDemo('ipvs-ep', 'shop.yaml', (t) => t.replace('10.244.3.30', '10.244.3.31'));
    const run = await runCli(['diff', demo, b, '--backend', 'ipvs', '--output', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).changes).toEqual([
      { type: 'real-server-removed', service: 'TCP 10.0.0.11:31080', realServer: '10.244.3.30:8080' },
      { type: 'real-server-added', service: 'TCP 10.0.0.11:31080', realServer: '10.244.3.31:8080' },
      { type: 'real-server-removed', service: 'TCP 10.96.10.10:80', realServer: '10.244.3.30:8080' },
      { type: 'real-server-added', service: 'TCP 10.96.10.10:80', realServer: '10.244.3.31:8080' },
    ]);
  });

  it('a Service deleted: its virtual servers, set members and kube-ipvs0 address go away', async () => {
    const b = editedDemo('ipvs-del', 'monitoring.yaml', (t) => t.replace(/apiVersion: v1\nkind: Service\nmetadata:\n  namespace: monitoring\n  name: alertmanager[\s\S]*?(?=\n---|$)/, ''));
    const run = await runCli(['diff', demo, b, '--backend', 'ipvs', '--output', 'json']);
    expect(run.code).toBe(1);
    const changes = JSON.parse(run.stdout).changes as { type: string; service?: string; set?: string; entry?: string }[];
    expect(changes).toContainEqual({ type: 'virtual-server-removed', service: 'TCP 10.96.30.20:9093' });
    expect(changes).toContainEqual({ type: 'ipset-entry-removed', set: 'KUBE-CLUSTER-IP', entry: '10.96.30.20,tcp:9093' });
    expect(changes).toContainEqual({ type: 'ipset-entry-removed', set: 'KUBE-IPVS-IPS', entry: '10.96.30.20' });
  });

  it('a scheduler change shows on every virtual server', async () => {
    const run = await runCli(['diff', demo, demo, '--backend', 'ipvs', '--output', 'json']);
    expect(JSON.parse(run.stdout).changes).toEqual([]);
    const sched = join(tmp, 'sched.ipvs');
    writeFileSync(sched, (await runCli([demo, '--backend', 'ipvs', '--ipvs-scheduler', 'lc', '--format', 'ipvsadm'])).stdout);
    const changed = await runCli(['diff', demo, sched, '--backend', 'ipvs', '--output', 'json']);
    const changes = JSON.parse(changed.stdout).changes as { type: string; field?: string; old?: string; new?: string }[];
    expect(changes.length).toBeGreaterThan(10);
    expect(changes.every((c) => c.type === 'virtual-server-changed' && c.field === 'scheduler' && c.old === 'rr' && c.new === 'lc')).toBe(true);
  });
});

describe('kproxy-compile diff --backend ipvs: a side on standard input, and where a dump is wrong', () => {
  let dump = '';
  const dumpOf = async () => (dump ||= (await runCli([demo, '--backend', 'ipvs'])).stdout);
  const realServer = '-a -t 10.0.0.11:31080 -r 10.244.3.30:8080 -m -w 1';

  it('a `--format all` dump piped as NEW is read as a dump: no differences, and a removed real server is the one change', async () => {
    const all = await dumpOf();
    expect(all).toContain(`${realServer}\n`);
    const same = await runCli(['diff', demo, '-', '--backend', 'ipvs'], { stdin: all });
    // The demo's node runs iptables mode: its configuration says so, and that is all stderr says.
    expect(same.stderr).toMatch(/^\S+kube-proxy-config\.yaml:3: warning KPC042: KubeProxyConfiguration: mode: is iptables, but these rules are compiled for --backend ipvs: pass --backend iptables to see what this node programs\n$/);
    expect(same.stdout).toBe('no differences\n');
    expect(same.code).toBe(0);
    const less = await runCli(['diff', demo, '-', '--backend', 'ipvs', '--output', 'json'], { stdin: all.replace(`${realServer}\n`, '') });
    expect(less.code).toBe(1);
    expect(JSON.parse(less.stdout).changes).toEqual([{ type: 'real-server-removed', service: 'TCP 10.0.0.11:31080', realServer: '10.244.3.30:8080' }]);
  });

  it.each([
    ['-m -w 0', [{ field: 'weight', old: '1', new: '0' }], '~ real server 10.244.3.30:8080 of TCP 10.0.0.11:31080: weight 1 -> 0'],
    ['-g -w 1', [{ field: 'forwarding', old: '-m', new: '-g' }], '~ real server 10.244.3.30:8080 of TCP 10.0.0.11:31080: forwarding -m -> -g'],
    ['-i -w 5', [{ field: 'weight', old: '1', new: '5' }, { field: 'forwarding', old: '-m', new: '-i' }], '~ real server 10.244.3.30:8080 of TCP 10.0.0.11:31080: weight 1 -> 5'],
  ])('a real server shown on the node with %j is reported as changed', async (flags, fields, text) => {
    const all = await dumpOf();
    const node = all.replace(`${realServer}
`, `-a -t 10.0.0.11:31080 -r 10.244.3.30:8080 ${flags}
`);
    const run = await runCli(['diff', demo, '-', '--backend', 'ipvs', '--output', 'json'], { stdin: node });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).changes).toEqual(fields.map((f) => ({ type: 'real-server-changed', service: 'TCP 10.0.0.11:31080', realServer: '10.244.3.30:8080', ...f })));
    const shown = await runCli(['diff', demo, '-', '--backend', 'ipvs', '--no-color'], { stdin: node });
    expect(shown.stdout.split('\n')).toContain(text);
  });

  it.each(['x', '-1', '65536', '1.5'])('a real server weight of %j is an error at its line', async (w) => {
    const all = await dumpOf();
    const at = all.split('\n').indexOf(realServer) + 1;
    const run = await runCli(['diff', demo, '-', '--backend', 'ipvs'], { stdin: all.replace(`${realServer}\n`, `-a -t 10.0.0.11:31080 -r 10.244.3.30:8080 -m -w ${w}\n`) });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^<stdin>:${at}: error KPC052: real server weight must be a number from 0 to 65535`, 'm'));
  });

  it.each([['text no dump starts with', 'hello\n', 1], ['a real server line before any virtual server', '# from a node\n-a -t 10.0.0.11:31080 -r 10.244.3.30:8080 -m -w 1\n', 2], ['nothing at all', '', undefined]] as const)('a rules side of %s is an error, never "no differences"', async (_, text, line) => {
    const run = await runCli(['diff', demo, '-', '--backend', 'ipvs', '--new-format', 'rules'], { stdin: text });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const errors = run.stderr.split('\n').filter((l) => / error /.test(l));
    expect(errors).toEqual([`<stdin>${line === undefined ? '' : `:${line}`}: error KPC052: ${line === undefined ? 'holds no dump' : 'does not start as a dump does'}: expected ipvsadm -Sn rules (-A ...), an ipset save (create ...), an iptables-save dump (*table) or kproxy-compile --format all output`]);
  });

  it('a refused virtual server or set is one error: its real server and add lines are not reported again', async () => {
    const lines = (await dumpOf()).split('\n');
    const vs = lines.findIndex((l) => l.startsWith('-A -t 10.0.0.11:31080 '));
    const set = lines.findIndex((l) => l.startsWith('create KUBE-CLUSTER-IP '));
    expect(lines.filter((l) => l.startsWith('-a -t 10.0.0.11:31080 ')).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('add KUBE-CLUSTER-IP ')).length).toBeGreaterThan(1);
    const cases = [
      { at: vs, line: lines[vs].replace(/ -s \S+/, ' -s bogus'), error: 'scheduler "bogus" is not one IPVS has (rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos)' },
      { at: set, line: lines[set].replace('hash:ip,port', 'hash:bogus'), error: 'set type "hash:bogus" is not one ipset has' },
    ];
    for (const c of cases) {
      expect(c.line).not.toBe(lines[c.at]);
      const run = await runCli(['diff', demo, '-', '--backend', 'ipvs'], { stdin: lines.map((l, i) => (i === c.at ? c.line : l)).join('\n') });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.split('\n').filter((l) => / error /.test(l))).toEqual([`<stdin>:${c.at + 1}: error KPC052: ${c.error}`]);
    }
  });

  it('an ipvsadm -Sn dump piped as OLD is read as a dump', async () => {
    const ipvsadm = (await runCli([demo, '--backend', 'ipvs', '--format', 'ipvsadm'])).stdout;
    const run = await runCli(['diff', '-', demo, '--backend', 'ipvs', '--output', 'json'], { stdin: ipvsadm.replace(`${realServer}\n`, '') });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).changes).toEqual([{ type: 'real-server-added', service: 'TCP 10.0.0.11:31080', realServer: '10.244.3.30:8080' }]);
  });

  it('manifests starting with a comment are manifests, from a file or piped', async () => {
    const all = join(tmp, 'commented.ipvs');
    writeFileSync(all, await dumpOf());
    const files = ['default', 'kube-proxy-config', 'kube-system', 'monitoring', 'node', 'payments', 'shop'].map((n) => readFileSync(join(demo, `${n}.yaml`), 'utf8'));
    const manifests = `# Source: demo/all.yaml\n${files.map((t) => `---\n${t}`).join('\n')}`;
    const piped = await runCli(['diff', '-', all, '--backend', 'ipvs'], { stdin: manifests });
    expect(piped.stdout).toBe('no differences\n');
    expect(piped.code).toBe(0);
    // Read as a dump, these lines would compare nothing and agree with anything: an edit must show.
    const edited = join(tmp, 'commented.yaml');
    writeFileSync(edited, manifests.replace('10.244.3.30', '10.244.3.31'));
    const run = await runCli(['diff', edited, all, '--backend', 'ipvs', '--output', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).changes).toContainEqual({ type: 'real-server-removed', service: 'TCP 10.0.0.11:31080', realServer: '10.244.3.31:8080' });
  });

  it('a bad line in any part of a `--format all` dump is named by its line in the file (or <stdin>): exit 2, nothing on stdout', async () => {
    const all = await dumpOf();
    const lines = all.split('\n');
    const pick = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    const cases = [
      { at: pick('-a -t '), line: '-a -t 10.0.0.11:31080 -r bogus -m -w 1', code: 'KPC052' },
      { at: pick('add KUBE-CLUSTER-IP '), line: 'add KUBE-CLUSTER-IP', code: 'KPC052' },
      { at: pick('-A KUBE-SERVICES '), line: '-A KUBE-SERVICES -m comment --comment "open', code: 'KPC050' },
    ];
    for (const c of cases) {
      expect(c.at, c.line).toBeGreaterThan(0);
      const broken = lines.map((l, i) => (i === c.at ? c.line : l)).join('\n');
      const file = join(tmp, `broken-${c.at}.ipvs`);
      writeFileSync(file, broken);
      for (const [args, name] of [[['diff', demo, file], file], [['diff', demo, '-'], '<stdin>']] as const) {
        const run = await runCli([...args, '--backend', 'ipvs'], { stdin: broken });
        expect(run.code, c.line).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${c.at + 1}: error ${c.code}`, 'm'));
      }
    }
  });
});

describe('kproxy-compile diff --backend ipvs MANIFESTS IPTABLES-SAVE (a node\'s whole tables)', () => {
  // The golden's payload as a node's iptables-save shows it: built-in chains declared, and the
  // jumps kube-proxy's IPVS mode prepends to them in the order of its jump list (so, per chain,
  // last ensured first).
  const payload = (() => {
    const golden = readFileSync(join(demo, 'expected', 'ipvs.txt'), 'utf8');
    return golden.slice(golden.indexOf('# iptables-restore\n') + '# iptables-restore\n'.length, golden.indexOf('# kube-ipvs0 addresses'));
  })();
  const JUMPS: Record<string, { chains: string[]; rules: string[] }> = {
    nat: {
      chains: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
      rules: [
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      ],
    },
    filter: {
      chains: ['INPUT', 'FORWARD', 'OUTPUT'],
      rules: [
        '-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER',
        '-A INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL',
        '-A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT',
        '-A FORWARD -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL',
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-A OUTPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-OUT-FILTER',
      ],
    },
  };
  const nodeSave = (drop?: string) => {
    let text = payload;
    for (const [table, { chains, rules }] of Object.entries(JUMPS)) {
      const at = text.indexOf(`*${table}\n`) + table.length + 2;
      text = `${text.slice(0, at)}${chains.map((c) => `:${c} ACCEPT [0:0]\n`).join('')}${text.slice(at)}`;
      const commit = text.indexOf('COMMIT\n', at);
      text = `${text.slice(0, commit)}${rules.filter((r) => r !== drop).map((r) => `${r}\n`).join('')}${text.slice(commit)}`;
    }
    return text;
  };

  it('the payload alone (as --format all carries it): no differences', async () => {
    const file = join(tmp, 'ipvs-payload.txt');
    writeFileSync(file, payload);
    const run = await runCli(['diff', demo, file, '--backend', 'ipvs', '--output', 'json']);
    expect(JSON.parse(run.stdout).changes).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('the node\'s save view with every jump: no differences; without one jump: exactly that rule', async () => {
    const whole = join(tmp, 'ipvs-node-save.txt');
    writeFileSync(whole, nodeSave());
    const same = await runCli(['diff', demo, whole, '--backend', 'ipvs', '--output', 'json']);
    expect(JSON.parse(same.stdout).changes).toEqual([]);
    expect(same.code).toBe(0);
    const dropped = JUMPS.filter.rules[0];
    const cut = join(tmp, 'ipvs-node-save-cut.txt');
    writeFileSync(cut, nodeSave(dropped));
    const run = await runCli(['diff', demo, cut, '--backend', 'ipvs', '--output', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).changes).toEqual([{ type: 'rule-removed', table: 'filter', chain: 'INPUT', rule: dropped, position: 1 }]);
  });
});

describe('parseIpvsadm / parseIpset refuse what ipvsadm and ipset would never print', () => {
  const messages = (ds: readonly { line?: number; message: string }[]) => ds.map((d) => `${d.line}: ${d.message}`);

  it.each([
    ['-A -t 300.1.1.1:80 -s rr', '1: "300.1.1.1:80" is not an address:port (a valid IP and a port up to 65535)'],
    ['-A -t 10.96.0.1:9999930080 -s rr', '1: "10.96.0.1:9999930080" is not an address:port (a valid IP and a port up to 65535)'],
    ['-A -t 10.96.0.1:80 -s bogus', '1: scheduler "bogus" is not one IPVS has (rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos)'],
    ['-A -t 10.96.0.1:80 -s rr -p forever', '1: persistence timeout must be a number of seconds, found "forever"'],
    ['-A -t 10.96.0.1:80 -s rr\n-a -t 10.96.0.1:80 -r 10.244.0.300:8080 -m -w 1', '2: real server "10.244.0.300:8080" is not an address:port (a valid IP and a port up to 65535)'],
  ])('%j', (text, message) => {
    const r = parseIpvsadm(text, 'd');
    expect(r.servers).toBeUndefined();
    expect(messages(r.diagnostics)).toEqual([message]);
  });

  it.each([
    ['create KUBE-LOOP-BACK hash:bogus family inet', '1: set type "hash:bogus" is not one ipset has'],
    ['create KUBE-LOOP-BACK hash:ip,port,ip family inet\nadd KUBE-LOOP-BACK garbage,,,', '2: "garbage,,," is not an entry of a hash:ip,port,ip set'],
    ['create KUBE-CLUSTER-IP hash:ip,port family inet\nadd KUBE-CLUSTER-IP 10.96.0.1,tcp:70000', '2: "10.96.0.1,tcp:70000" is not an entry of a hash:ip,port set'],
    ['create KUBE-NODE-PORT-TCP bitmap:port range 0-65535\nadd KUBE-NODE-PORT-TCP 3x', '2: "3x" is not an entry of a bitmap:port set'],
  ])('%j', (text, message) => {
    const r = parseIpset(text, 'd');
    expect(r.sets).toBeUndefined();
    expect(messages(r.diagnostics)).toEqual([message]);
  });

  it('reads good entries of every kind kube-proxy writes, IPv6 too', () => {
    const r = parseIpset('create A hash:ip,port,ip family inet6\nadd A fd00::1,tcp:80,fd00::1\ncreate B hash:ip,port,net family inet\nadd B 203.0.113.30,tcp:443,10.0.0.0/16\ncreate C hash:ip family inet\nadd C 10.96.0.1\ncreate D bitmap:port range 0-65535\nadd D 30080', 'd');
    expect(r.diagnostics).toEqual([]);
    expect(r.sets!.map((s) => s.entries)).toEqual([['fd00::1,tcp:80,fd00::1'], ['203.0.113.30,tcp:443,10.0.0.0/16'], ['10.96.0.1'], ['30080']]);
  });
});
