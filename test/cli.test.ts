import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from './helpers/fixtures.js';
import { runCli } from './helpers/runCli.js';
import { main } from '../src/cli/main.js';
import { bufferIo } from '../src/cli/io.js';
import { generateCluster } from '../bench/generate.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kpc-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const overall = join(FIXTURES_DIR, 'upstream-overall');
const overallArgs = readFileSync(join(overall, 'args'), 'utf8').split('\n').filter(Boolean);

describe('command line', () => {
  it('kproxy-compile compile DIR equals kproxy-compile DIR (compile is the default command)', async () => {
    const a = await runCli(['compile', overall, ...overallArgs]);
    const b = await runCli([overall, ...overallArgs]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.startsWith('*mangle\n')).toBe(true);
  });

  it('kproxy-compile - (reads a kubectl-style List from stdin)', async () => {
    const items = ['services.yaml', 'endpointslices.yaml'].map((f) => readFileSync(join(overall, f), 'utf8'));
    const yaml = await import('js-yaml');
    const docs = items.flatMap((t) => yaml.loadAll(t)).filter(Boolean);
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs });
    const fromStdin = await runCli(['-', ...overallArgs, '--format', 'restore'], { stdin: list });
    const fromDir = await runCli([overall, ...overallArgs, '--format', 'restore']);
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromDir.stdout);
  });

  it('kproxy-compile DIR -o FILE (writes the file, nothing on stdout)', async () => {
    const out = join(dir, 'rules.txt');
    const run = await runCli([overall, ...overallArgs, '-o', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const direct = await runCli([overall, ...overallArgs]);
    expect(readFileSync(out, 'utf8')).toBe(direct.stdout);
  });

  it('kproxy-compile DIR -o FILE (keeps an existing file when the input is bad)', async () => {
    const out = join(dir, 'kept.txt');
    writeFileSync(out, 'previous\n');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n  - port: 0\n');
    const run = await runCli([bad, '-o', out]);
    expect(run.code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('previous\n');
  });

  it('kproxy-compile FILE -o FILE (the same file, by any path) is refused and the manifests are kept', async () => {
    const manifests = join(dir, 'same.yaml');
    const text = readFileSync(join(FIXTURES_DIR, 'demo', 'shop.yaml'), 'utf8');
    writeFileSync(manifests, text);
    symlinkSync(manifests, join(dir, 'same-link.yaml'));
    for (const out of [manifests, join(dir, 'same-link.yaml')]) {
      const run = await runCli([manifests, '-o', out]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`<flags>: error KPC040: -o/--output ${out} is the input ${manifests}: the rules would replace the manifests they are compiled from; write them to another file\n`);
      expect(readFileSync(manifests, 'utf8')).toBe(text);
    }
  });

  it.each([
    [['--format', 'json'], /--format must be one of save, restore, model/],
    [['--family', 'ipv5'], /--family must be ipv4 or ipv6/],
    [['--backend', 'nftables'], /--backend "nftables" is not supported/],
    [['--masquerade-all=yes'], /--masquerade-all takes true or false/],
    [['--iptables-masquerade-bit', '40'], /--iptables-masquerade-bit: must be a whole number from 0 to 31/],
    [['--node-ip', '1.2.3'], /--node-ip: "1.2.3" is not an IP address/],
    [['--node-ip', ''], /--node-ip: must name an IP address, found an empty value/],
    [['--hostname-override', ' '], /--hostname-override: must name the node, found an empty value/],
    [['--nfacct-counters', ''], /--nfacct-counters: must name counters, found an empty value \(write 'none' for a node without them\)/],
    [['--feature-gates', 'Nope=true'], /unknown feature gate Nope/],
    [['--no-such-flag'], /unknown option '--no-such-flag'/],
    [['--nfacct-counters', 'bogus'], /--nfacct-counters: "bogus" is not a counter kube-proxy uses \(ct_state_invalid_dropped_pkts, localhost_nps_accepted_pkts, or 'none'\)/],
    [['--ipvs-scheduler', 'xyz'], /--ipvs-scheduler: "xyz" is not an IPVS scheduler \(rr, wrr, lc/],
    [['--output', 'json'], /-o\/--output takes a file path, found "json": the output is chosen with --format \(save, restore, model\); write \.\/json for a file of that name/],
    [['-o', 'restore'], /-o\/--output takes a file path, found "restore"/],
    // An interface name goes into rule text: nothing but a name's characters may get there.
    [['--detect-local-mode', 'InterfaceNamePrefix', '--pod-interface-name-prefix', 'veth\n-A INPUT -j ACCEPT'], /--pod-interface-name-prefix: "veth\\n-A INPUT -j ACCEPT" is not an interface name/],
    [['--detect-local-mode', 'BridgeInterface', '--pod-bridge-interface', 'br0\n*filter'], /--pod-bridge-interface: "br0\\n\*filter" is not an interface name/],
    [['--detect-local-mode', 'BridgeInterface', '--pod-bridge-interface', 'a b'], /--pod-bridge-interface: "a b" is not an interface name/],
    [['--detect-local-mode', 'BridgeInterface', '--pod-bridge-interface', 'abcdefghijklmnop'], /--pod-bridge-interface: "abcdefghijklmnop" is longer than 15 characters/],
    [['--detect-local-mode', 'InterfaceNamePrefix', '--pod-interface-name-prefix', 'abcdefghijklmno'], /--pod-interface-name-prefix: "abcdefghijklmno" is longer than 14 characters/],
  ])('kproxy-compile DIR %j (exits 2 with a usage message)', async (extra, message) => {
    const run = await runCli([overall, ...extra], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    // Nothing is written where a slip would have put it.
    expect(existsSync(join(dir, 'json'))).toBe(false);
    expect(existsSync(join(dir, 'restore'))).toBe(false);
  });

  it('--backend and --family take any case: --backend IPVS --family IPv4 is --backend ipvs --family ipv4', async () => {
    const lower = await runCli([overall, ...overallArgs, '--backend', 'ipvs', '--family', 'ipv4']);
    const upper = await runCli([overall, ...overallArgs, '--backend', 'IPVS', '--family', 'IPv4']);
    expect(lower.code).toBe(0);
    expect(lower.stdout).toContain('-A KUBE-SERVICES');
    expect(lower.stdout).toMatch(/^-A -t 172\.30\.0\.41:80 -s rr$/m);
    expect(upper).toEqual(lower);
  });

  it('kproxy-compile (no input is a usage error)', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no input/);
  });

  it('kproxy-compile --help (exits 0 and lists the commands)', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('compile');
  });

  it('kproxy-compile DIR --iptables-localhost-nodeports=false (spelled like kube-proxy)', async () => {
    const on = await runCli([overall, ...overallArgs, '--format', 'restore']);
    const off = await runCli([overall, ...overallArgs.filter((a) => !a.startsWith('--iptables-localhost')), '--iptables-localhost-nodeports=false', '--format', 'restore']);
    expect(on.stdout).toContain(':KUBE-FIREWALL - [0:0]');
    expect(off.stdout).not.toContain('KUBE-FIREWALL');
    expect(off.stdout).toContain('-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS');
  });

  it('bin/kproxy-compile.js (the real binary: exit code, stdout, stderr)', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'kproxy-compile.js');
    if (!existsSync(join(import.meta.dirname, '..', 'dist', 'bundle', 'bin.js'))) throw new Error('run npm run build first (npm test does)');
    const ok = spawnSync(process.execPath, [bin, overall, ...overallArgs, '--format', 'restore'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP"');
    // The binary runs the bundled modules (scripts/bundle.mjs); its output is the committed golden's,
    // for each backend, including the IPVS one the bundle keeps in a file of its own.
    expect(ok.stdout).toBe(readFileSync(join(overall, 'expected', 'restore.txt'), 'utf8'));
    const save = spawnSync(process.execPath, [bin, overall, ...overallArgs], { encoding: 'utf8' });
    expect(save.stdout).toBe(readFileSync(join(overall, 'expected', 'save.txt'), 'utf8'));
    const ipvs = spawnSync(process.execPath, [bin, overall, ...overallArgs, '--backend', 'ipvs', '--format', 'all'], { encoding: 'utf8' });
    expect(ipvs.stdout).toBe(readFileSync(join(overall, 'expected', 'ipvs.txt'), 'utf8'));
    const bad = spawnSync(process.execPath, [bin, join(dir, 'nope.yaml')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/error KPC001/);
  });

  it('bin/kproxy-compile.js on an internal error: exit 70 and one line; with KPROXY_COMPILE_DEBUG, the stack names the TypeScript sources', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'kproxy-compile.js');
    // A standard output whose write throws a plain Error, as a bug would: loaded ahead of the binary.
    const broken = ['--import', 'data:text/javascript,process.stdout.write=()=>{throw new Error("injected")}'];
    const basic = join(FIXTURES_DIR, 'clusterip-basic');
    const args = [...broken, bin, basic, ...readFileSync(join(basic, 'args'), 'utf8').split('\n').filter(Boolean)];
    const plain = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, KPROXY_COMPILE_DEBUG: '' } });
    expect(plain.status).toBe(70);
    expect(plain.stderr).toBe('kproxy-compile: internal error (this is a bug): injected\n');
    const debug = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, KPROXY_COMPILE_DEBUG: '1' } });
    expect(debug.status).toBe(70);
    const frames = debug.stderr.split('\n').filter((l) => l.trim().startsWith('at '));
    expect(frames.some((l) => /[/\\]src[/\\]cli[/\\]compileCommand\.ts:\d+:\d+\)$/.test(l)), debug.stderr).toBe(true);
    expect(frames.some((l) => l.includes('dist/bundle')), debug.stderr).toBe(false);
  });
});

describe('--family of a family the input has no Service of', () => {
  const ipv6 = join(FIXTURES_DIR, 'ipv6');
  const ipv6Args = readFileSync(join(ipv6, 'args'), 'utf8').split('\n').filter(Boolean);

  it('an IPv4-only input with --family IPv6: the fixed chains, exit 0, and a warning saying why there is nothing else', async () => {
    const run = await runCli([overall, ...overallArgs, '--family', 'IPv6', '--format', 'restore']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(':KUBE-SERVICES - [0:0]');
    expect(run.stdout).not.toContain('cluster IP"');
    expect(run.stdout).not.toContain('KUBE-SVC-');
    expect(run.stderr).toMatch(/^<settings>: warning KPC032: no Service has an IPv6 cluster IP \(all \d+ Services with a cluster IP have only IPv4 ones\): the IPv6 rules are only kube-proxy's fixed chains; the IPv4 rules come with --family IPv4$/m);
  });

  it('a dual-stack input: no such warning for either family', async () => {
    for (const family of ['IPv4', 'IPv6']) {
      const run = await runCli([ipv6, ...ipv6Args, '--family', family]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('cluster IP"');
      expect(run.stderr).not.toMatch(/no Service has an/);
    }
  });
});

describe('empty values and standard input twice', () => {
  const demo = join(FIXTURES_DIR, 'demo');
  it.each([
    [['compile', ''], 'an input path is empty: name a file or directory (. for the working directory)'],
    [['diff', '', demo], 'an input path is empty: name a file or directory (. for the working directory)'],
    [['compile', '-', '-'], '- (standard input) is given more than once: it can be read once'],
    [['churn', '-', demo, '-'], '- (standard input) is given more than once: it can be read once'],
    [['compile', demo, '-o', ''], '-o/--output must name a file (or - for stdout), found an empty value'],
    [['compile', demo, '--config', ''], '--config must name a KubeProxyConfiguration file, found an empty value'],
    [['churn', '--timeline', ''], '--timeline must name a timeline file (or - for stdin), found an empty value'],
  ])('%j: one KPC040, exit 2, stdin not read', async (argv, message) => {
    let reads = 0;
    const io = bufferIo('apiVersion: v1\nkind: List\nitems: []\n');
    const code = await main(argv, { ...io, readStdin: async () => { reads++; return Buffer.from(''); } });
    expect(code).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(`<flags>: error KPC040: ${message}\n`);
    expect(reads).toBe(0);
  });
});

describe('command lines the argument parser refuses', () => {
  it.each([
    [['compile', 'fixtures/demo', '--bogus'], "unknown option '--bogus' (run kproxy-compile compile --help for usage)"],
    [['compile', 'fixtures/demo', '--formt', 'save'], "unknown option '--formt' (Did you mean --format?) (run kproxy-compile compile --help for usage)"],
    [['diff', 'fixtures/demo'], "missing required argument 'new' (run kproxy-compile diff --help for usage)"],
    [['churn', '--timeline'], "option '--timeline <file>' argument missing (run kproxy-compile churn --help for usage)"],
  ])('%j: one <flags> KPC040 line, exit 2, nothing on stdout', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`<flags>: error KPC040: ${message}\n`);
  });
});

describe('a path with control characters', () => {
  it('is named with escapes, so one problem stays one stderr line', async () => {
    const r = await runCli(['compile', 'no\nsuch\x01file']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('no\\nsuch\\x01file: error KPC001: cannot read no\\nsuch\\x01file: no such file or directory\n');
  });
});

describe('stdout that is a regular file', () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'kproxy-compile.js');
  const args = [overall, ...overallArgs, '--format', 'restore'];

  it('bin/kproxy-compile.js > FILE and >> FILE: the file holds exactly what a pipe gets (appended after what it held)', async () => {
    const piped = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toContain('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP"');
    const file = join(dir, 'redirected.txt');
    for (const [flags, before] of [['w', ''], ['a', 'kept line\n']] as const) {
      writeFileSync(file, before);
      const fd = openSync(file, flags === 'w' ? 'w' : 'a');
      const run = spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      closeSync(fd);
      expect(run.status, flags).toBe(0);
      expect(run.stderr, flags).toBe(piped.stderr);
      expect(readFileSync(file, 'utf8'), flags).toBe(before + piped.stdout);
    }
  });

  it('stdout that refuses writes (/dev/full): KPC001 naming standard output, exit 2, for compile and diff alike', () => {
    for (const argv of [args, ['diff', join(FIXTURES_DIR, 'clusterip-basic'), join(FIXTURES_DIR, 'nodeport')]]) {
      const fd = openSync('/dev/full', 'w');
      const run = spawnSync(process.execPath, [bin, ...argv], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      closeSync(fd);
      expect(run.status, argv[0]).toBe(2);
      expect(run.stderr.split('\n').filter((l) => l.includes('error')), argv[0]).toEqual(['<stdout>: error KPC001: cannot write to standard output: no space left on the device']);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  // A cluster whose restore payload is several chunks (about 4 MB).
  const large = join(dir, 'large.json');
  writeFileSync(large, JSON.stringify(generateCluster({ services: 1000, endpoints: 10, seed: 3 }).list));
  const largeArgs = [large, '--hostname-override', 'node-0', '--node-ip', '192.168.0.10', '--cluster-cidr', '10.0.0.0/8', '--format', 'restore'];

  it('a write to it that fails part-way: the file cut back, KPC001, exit 2', async () => {
    const io = bufferIo();
    const written: number[] = [];
    let rolledBack = 0;
    const failing = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const code = await main(largeArgs, {
      ...io,
      stdoutFile: {
        write: (chunk) => {
          if (written.length === 1) throw failing;
          written.push(chunk.length);
        },
        rollback: () => { rolledBack++; },
      },
    });
    expect(written).toHaveLength(1);
    expect(rolledBack).toBe(1);
    expect(code).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err().trim()).toBe('<stdout>: error KPC001: cannot write to standard output: no space left on the device');
  });

  it('the chunks it is given are the output, each a whole number of lines', async () => {
    const whole = await runCli(largeArgs);
    expect(whole.code).toBe(0);
    const io = bufferIo();
    const chunks: string[] = [];
    const code = await main(largeArgs, { ...io, stdoutFile: { write: (c) => { chunks.push(Buffer.from(c).toString('utf8')); }, rollback: () => { throw new Error('no rollback expected'); } } });
    expect(code).toBe(0);
    expect(io.out()).toBe('');
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.endsWith('\n')).toBe(true);
    expect(chunks.join('')).toBe(whole.stdout);
  });
});

describe('node settings from --config, input objects and flags', () => {
  const fixture = join(FIXTURES_DIR, 'node-object-config');
  const manifestsOnly = join(fixture, 'manifests.yaml');
  const nodeFile = join(fixture, 'node.yaml');
  const configFile = join(fixture, 'kube-proxy-config.yaml');

  it('kproxy-compile MANIFESTS NODE --config FILE equals the same KubeProxyConfiguration given as input', async () => {
    const asInput = await runCli([fixture, '--format', 'restore']);
    const viaFlag = await runCli([manifestsOnly, nodeFile, '--config', configFile, '--format', 'restore']);
    expect(asInput.code).toBe(0);
    expect(viaFlag.stdout).toBe(asInput.stdout);
    expect(viaFlag.stdout).toContain('! -s 10.244.1.0/24');
  });

  it('kproxy-compile ... --config CONFIGMAP (the kube-proxy ConfigMap form)', async () => {
    const inner = readFileSync(configFile, 'utf8');
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-proxy\n  namespace: kube-system\ndata:\n  config.conf: |\n${inner.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
    const cmFile = join(dir, 'kube-proxy-cm.yaml');
    writeFileSync(cmFile, cm);
    const viaCm = await runCli([manifestsOnly, nodeFile, '--config', cmFile, '--format', 'restore']);
    const asInput = await runCli([fixture, '--format', 'restore']);
    expect(viaCm.code).toBe(0);
    expect(viaCm.stdout).toBe(asInput.stdout);
  });

  it('--config - reads the configuration (or its ConfigMap) from standard input; named <stdin> in problems', async () => {
    const asInput = await runCli([fixture, '--format', 'restore']);
    const piped = await runCli([manifestsOnly, nodeFile, '--config', '-', '--format', 'restore'], { stdin: readFileSync(configFile, 'utf8') });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(asInput.stdout);
    const bad = await runCli([manifestsOnly, '--config', '-'], { stdin: 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\niptables:\n  masqueradeBit: 40\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^<stdin>:4: error KPC041: KubeProxyConfiguration: iptables\.masqueradeBit: must be between 0 and 31, found 40$/m);
    // Standard input can be read once: not as an input and as the configuration both.
    for (const argv of [['-', '--config', '-'], ['diff', '-', manifestsOnly, '--config', '-'], ['churn', '--timeline', '-', '--config', '-']]) {
      const twice = await runCli(argv, { stdin: '' });
      expect(twice.code).toBe(2);
      expect(twice.stderr).toBe('<flags>: error KPC040: - (standard input) is given more than once: it can be read once\n');
    }
  });

  it('the node IP a source range is checked against: the Node\'s ExternalIP for a family without an InternalIP, else the loopback address (kube-proxy\'s detectNodeIPs)', async () => {
    const lbDir = join(dir, 'node-ip');
    mkdirSync(lbDir, { recursive: true });
    const lb = (ranges: string) => [
      'apiVersion: v1', 'kind: Service', 'metadata: {name: fw, namespace: t}',
      'spec: {type: LoadBalancer, clusterIP: 10.96.11.1, clusterIPs: [10.96.11.1, "fd00:96::11"], ipFamilies: [IPv4, IPv6], ipFamilyPolicy: PreferDualStack,',
      `  loadBalancerSourceRanges: [${ranges}], ports: [{name: http, port: 80, protocol: TCP, nodePort: 30111}]}`,
      'status: {loadBalancer: {ingress: [{ip: 203.0.113.11}, {ip: "2001:db8::111"}]}}',
      '---', 'apiVersion: discovery.k8s.io/v1', 'kind: EndpointSlice', 'metadata: {name: fw-6, namespace: t, labels: {kubernetes.io/service-name: fw}}',
      'addressType: IPv6', 'endpoints: [{addresses: ["fd00:244::5"]}]', 'ports: [{name: http, port: 8080, protocol: TCP}]',
      '---', 'apiVersion: discovery.k8s.io/v1', 'kind: EndpointSlice', 'metadata: {name: fw-4, namespace: t, labels: {kubernetes.io/service-name: fw}}',
      'addressType: IPv4', 'endpoints: [{addresses: [10.244.1.5]}]', 'ports: [{name: http, port: 8080, protocol: TCP}]', '',
    ].join('\n');
    const node = 'apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.11}, {type: ExternalIP, address: "2001:db8::ab"}]}\n';
    const fwFrom = (out: string, ip: string) => out.split('\n').filter((l) => l.startsWith('-A KUBE-FW-') && l.includes(` -s ${ip} `));
    // The IPv6 node IP is the ExternalIP, inside 2001:db8::/64: traffic from the LB IP itself is let through.
    writeFileSync(join(lbDir, 'in.yaml'), `${lb('"2001:db8::/64", 198.51.100.0/24')}---\n${node}`);
    const v6 = await runCli([lbDir, '--family', 'ipv6', '--format', 'restore']);
    expect(v6.code).toBe(0);
    expect(fwFrom(v6.stdout, '2001:db8::111')).toHaveLength(1);
    // No node IP of any kind: 127.0.0.1 is the node's, and 0.0.0.0/0 holds it; 10.0.0.0/8 does not.
    writeFileSync(join(lbDir, 'in.yaml'), lb('0.0.0.0/0'));
    expect(fwFrom((await runCli([lbDir, '--hostname-override', 'node-a', '--format', 'restore'])).stdout, '203.0.113.11')).toHaveLength(1);
    writeFileSync(join(lbDir, 'in.yaml'), lb('10.0.0.0/8'));
    expect(fwFrom((await runCli([lbDir, '--hostname-override', 'node-a', '--format', 'restore'])).stdout, '203.0.113.11')).toHaveLength(0);
  });

  it('flags override the configuration (--detect-local-mode ClusterCIDR over NodeCIDR)', async () => {
    const run = await runCli([fixture, '--detect-local-mode', 'ClusterCIDR', '--format', 'restore']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('! -s 10.244.0.0/16');
    expect(run.stdout).not.toContain('10.244.1.0/24');
  });

  it('--feature-gates LoadBalancerIPMode=false: a KPC043 warning (kube-proxy 1.33 would not start), and the gate-off rules; =true says nothing', async () => {
    const lb = join(FIXTURES_DIR, 'loadbalancer');
    const off = await runCli([lb, '--feature-gates', 'LoadBalancerIPMode=false', '--hostname-override', 'node-a']);
    expect(off.code).toBe(0);
    expect(off.stderr).toBe('<flags>: warning KPC043: --feature-gates LoadBalancerIPMode=false: is locked to true since Kubernetes 1.32: kube-proxy 1.33 refuses to start with it set to false; the rules are compiled as kube-proxy 1.30 and 1.31 wrote them with it off\n');
    const on = await runCli([lb, '--feature-gates', 'LoadBalancerIPMode=true', '--hostname-override', 'node-a']);
    expect(on.stderr).toBe('');
    expect(on.stdout).not.toBe(off.stdout);
  });

  it('kproxy-compile ... --config FILE with a bad field (exit 2, located message)', async () => {
    const bad = join(dir, 'bad-config.yaml');
    writeFileSync(bad, 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\niptables:\n  masqueradeBit: 40\n');
    const run = await runCli([manifestsOnly, '--config', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad-config\.yaml:4: error KPC041: KubeProxyConfiguration: iptables\.masqueradeBit: must be between 0 and 31, found 40/);
  });

  it.each([
    ['mode: ipvvs\n', [], 2, /cfg\.yaml:3: error KPC041: KubeProxyConfiguration: mode: must be iptables, ipvs, nftables or empty, found "ipvvs"/],
    ['mode: ipvs\n', [], 0, /cfg\.yaml:3: warning KPC042: KubeProxyConfiguration: mode: is ipvs, but these rules are compiled for --backend iptables: pass --backend ipvs to see what this node programs/],
    ['mode: ""\n', ['--backend', 'ipvs'], 0, /cfg\.yaml:3: warning KPC042: KubeProxyConfiguration: mode: is iptables, but these rules are compiled for --backend ipvs/],
    ['mode: nftables\n', [], 0, /cfg\.yaml:3: warning KPC042: KubeProxyConfiguration: mode: is nftables, which is not compiled yet/],
    ['clusterCidr: 10.0.0.0/8\n', [], 0, /cfg\.yaml:3: warning KPC042: KubeProxyConfiguration: clusterCidr: is not a field of KubeProxyConfiguration and is ignored \(did you mean clusterCIDR\?\)$/m],
    // A slip inside a section would leave the setting at its default without a word.
    ['iptables:\n  masqueradBit: 15\n', [], 0, /cfg\.yaml:4: warning KPC042: KubeProxyConfiguration: iptables\.masqueradBit: is not a field of KubeProxyConfiguration and is ignored \(did you mean masqueradeBit\?\)$/m],
    ['conntrack:\n  tcpbeliberal: true\n', [], 0, /cfg\.yaml:4: warning KPC042: KubeProxyConfiguration: conntrack\.tcpbeliberal: is not a field of KubeProxyConfiguration and is ignored \(did you mean tcpBeLiberal\?\)$/m],
    ['detectLocal:\n  bridgeInterfaceName: br0\n', [], 0, /cfg\.yaml:4: warning KPC042: KubeProxyConfiguration: detectLocal\.bridgeInterfaceName: is not a field of KubeProxyConfiguration and is ignored$/m],
    ['ipvs:\n  schedular: rr\n', ['--backend', 'ipvs'], 0, /cfg\.yaml:4: warning KPC042: KubeProxyConfiguration: ipvs\.schedular: is not a field of KubeProxyConfiguration and is ignored \(did you mean scheduler\?\)$/m],
    ['iptables: x\n', [], 2, /cfg\.yaml:3: error KPC010: KubeProxyConfiguration: iptables: must be a mapping, found the string "x"/],
    ['featureGates:\n  SomeOtherGate: true\n', [], 0, /cfg\.yaml:4: warning KPC042: KubeProxyConfiguration: featureGates\.SomeOtherGate: is not a gate the compiled rules depend on \(LoadBalancerIPMode, PreferSameTrafficDistribution\) and is ignored/],
    ['featureGates:\n  LoadBalancerIPMode: false\n', [], 0, /^\S*cfg\.yaml:4: warning KPC043: KubeProxyConfiguration: featureGates\.LoadBalancerIPMode: is locked to true since Kubernetes 1\.32: kube-proxy 1\.33 refuses to start with it set to false; the rules are compiled as kube-proxy 1\.30 and 1\.31 wrote them with it off\n$/],
    ['detectLocalMode: BridgeInterface\ndetectLocal:\n  bridgeInterface: "br0 -j ACCEPT"\n', [], 2, /cfg\.yaml:5: error KPC041: KubeProxyConfiguration: detectLocal\.bridgeInterface: "br0 -j ACCEPT" is not an interface name/],
    ['detectLocalMode: InterfaceNamePrefix\ndetectLocal:\n  interfaceNamePrefix: \'veth"\'\n', [], 2, /cfg\.yaml:5: error KPC041: KubeProxyConfiguration: detectLocal\.interfaceNamePrefix: "veth\\"" is not an interface name/],
    ['conntrack:\n  tcpBeLiberal: "true"\n', [], 2, /cfg\.yaml:4: error KPC010: KubeProxyConfiguration: conntrack\.tcpBeLiberal: must be true or false/],
    ['clusterCIDR: 10.0.0.0/8,10.1.0.0/16\n', [], 2, /cfg\.yaml:3: error KPC041: KubeProxyConfiguration: clusterCIDR: holds two IPv4 CIDRs: two must be a dual-stack pair, one of each family/],
    ['clusterCIDR: 10.0.0.0/8,fd00::/48,fd01::/48\n', [], 2, /cfg\.yaml:3: error KPC041: KubeProxyConfiguration: clusterCIDR: holds 3 CIDRs: kube-proxy takes one, or a dual-stack pair/],
    ['nodePortAddresses: [10.0.0.0/8, primary]\n', [], 2, /cfg\.yaml:3: error KPC041: KubeProxyConfiguration: nodePortAddresses\[1\]: "primary" cannot be combined with CIDRs: give "primary" alone, or CIDRs/],
    ['ipvs:\n  excludeCIDRs: [10.1.0.0/16, 10.2.0.0]\n', [], 2, /cfg\.yaml:4: error KPC041: KubeProxyConfiguration: ipvs\.excludeCIDRs\[1\]: "10\.2\.0\.0" is not a CIDR/],
    ['---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n', [], 2, /cfg\.yaml:4: error KPC041: is a second KubeProxyConfiguration \(the first is at \S*cfg\.yaml:1\); kube-proxy reads one, so which applies is unclear: keep one/],
  ])('kproxy-compile ... --config FILE with %j %j', async (extra, args, code, message) => {
    const file = join(dir, 'cfg.yaml');
    writeFileSync(file, `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n${extra}`);
    const run = await runCli([manifestsOnly, '--config', file, '--hostname-override', 'node-a', ...args]);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('kproxy-compile ... --config FILE with every field as kubeadm writes them: no warning, the rules of the defaults', async () => {
    // The KubeProxyConfiguration kubeadm puts in the kube-proxy ConfigMap, every field and section spelt out.
    const file = join(dir, 'kubeadm-config.yaml');
    writeFileSync(file, KUBEADM_CONFIG);
    const run = await runCli([manifestsOnly, '--config', file, '--hostname-override', 'node-a', '--cluster-cidr', '10.244.0.0/16']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plain = await runCli([manifestsOnly, '--hostname-override', 'node-a', '--cluster-cidr', '10.244.0.0/16']);
    expect(run.stdout).toBe(plain.stdout);
  });

  it.each([
    ['|', 'cm.yaml:11: error KPC041: KubeProxyConfiguration: iptables.masqueradeBit: must be between 0 and 31, found 40'],
    ['|-', 'cm.yaml:11: error KPC041: KubeProxyConfiguration: iptables.masqueradeBit: must be between 0 and 31, found 40'],
  ])('kproxy-compile ... --config CONFIGMAP (config.conf: %s) names the bad field at its line in the file', async (style, message) => {
    const file = join(dir, 'cm.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-proxy\n  namespace: kube-system\ndata:\n  config.conf: ${style}\n    apiVersion: kubeproxy.config.k8s.io/v1alpha1\n    kind: KubeProxyConfiguration\n    iptables:\n      masqueradeBit: 40\n`);
    const run = await runCli([manifestsOnly, '--config', file, '--hostname-override', 'node-a']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').map((l) => l.replace(/^\S*\//, ''))).toEqual([message]);
  });

  it('kproxy-compile ... --config FILE with conntrack.tcpBeLiberal: true (kube-proxy sets the sysctl, so no INVALID drop rule)', async () => {
    const file = join(dir, 'cfg-liberal.yaml');
    const drop = '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP';
    const runs: string[] = [];
    for (const value of ['true', 'false']) {
      writeFileSync(file, `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nconntrack:\n  tcpBeLiberal: ${value}\n`);
      const run = await runCli([manifestsOnly, '--config', file, '--hostname-override', 'node-a', '--format', 'restore']);
      expect(run.code, value).toBe(0);
      runs.push(run.stdout);
    }
    expect(runs[0]).not.toContain(drop);
    expect(runs[1]).toContain(drop);
    // Otherwise the same rules.
    expect(runs[1].replace(`${drop}\n`, '')).toBe(runs[0]);
  });

  it('kproxy-compile ... --cluster-cidr: one CIDR or a dual-stack pair, as kube-proxy takes it', async () => {
    for (const [value, code, message] of [
      ['10.244.0.0/16,fd00:10:244::/56', 0, undefined],
      ['10.244.0.0/16,10.245.0.0/16', 2, '<flags>: error KPC040: --cluster-cidr: holds two IPv4 CIDRs: two must be a dual-stack pair, one of each family (such as 10.244.0.0/16,fd00:10:244::/56)'],
      ['fd00::/48,fd01::/48', 2, '<flags>: error KPC040: --cluster-cidr: holds two IPv6 CIDRs: two must be a dual-stack pair, one of each family (such as 10.244.0.0/16,fd00:10:244::/56)'],
      ['10.244.0.0/16,fd00::/48,10.245.0.0/16', 2, '<flags>: error KPC040: --cluster-cidr: holds 3 CIDRs: kube-proxy takes one, or a dual-stack pair (one of each family, such as 10.244.0.0/16,fd00:10:244::/56)'],
    ] as const) {
      const run = await runCli([manifestsOnly, '--hostname-override', 'node-a', '--cluster-cidr', value, '--format', 'restore']);
      expect(run.code, value).toBe(code);
      if (message) expect(run.stderr.trim(), value).toBe(message);
      else expect(run.stdout, value).toContain('! -s 10.244.0.0/16');
    }
  });

  it('kproxy-compile ... --config CONFIGMAP with two keys holding a KubeProxyConfiguration: an error, not one of them picked', async () => {
    const file = join(dir, 'cm-two.yaml');
    const conf = (mode: string) => `|\n    apiVersion: kubeproxy.config.k8s.io/v1alpha1\n    kind: KubeProxyConfiguration\n    mode: ${mode}\n`;
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-proxy\n  namespace: kube-system\ndata:\n  config.conf: ${conf('iptables')}  other.conf: ${conf('ipvs')}`);
    const run = await runCli([manifestsOnly, '--config', file, '--hostname-override', 'node-a']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`${file}:12: error KPC041: is a second KubeProxyConfiguration (the first is at ${file}:8); kube-proxy reads one, so which applies is unclear: keep one`]);
  });

  it.each([
    [['--config', 'no-such-config.yaml'], /error KPC001: cannot read --config no-such-config\.yaml: no such file or directory$/m],
    [['diff', 'no-such-dump.txt', '--new-format', 'rules'], /error KPC001: cannot read \S+: (no such file or directory|is a directory)$/m],
    [['-o', '.'], /error KPC001: cannot write \.: is a directory$/m],
  ])('kproxy-compile %j says why a file cannot be used in words, not an errno code', async (args, message) => {
    const argv = args[0] === 'diff' ? ['diff', args[1], dir, ...args.slice(2)] : [manifestsOnly, '--hostname-override', 'node-a', ...args];
    const run = await runCli(argv, { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\bE[A-Z]{3,}\b/);
  });

  it('kproxy-compile ... --config FILE of another apiVersion (exit 2, at the field)', async () => {
    const file = join(dir, 'cfg-version.yaml');
    writeFileSync(file, 'apiVersion: kubeproxy.config.k8s.io/v1beta1\nkind: KubeProxyConfiguration\nmode: iptables\n');
    const run = await runCli([manifestsOnly, '--config', file, '--hostname-override', 'node-a']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/cfg-version\.yaml:1: error KPC041: KubeProxyConfiguration: apiVersion: must be kubeproxy\.config\.k8s\.io\/v1alpha1/);
  });

  it('kproxy-compile MANIFESTS (no node name: a warning that nothing is local)', async () => {
    const run = await runCli([manifestsOnly]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning KPC032: no node name is set/);
  });

  it('kproxy-compile MISSING-PATH (no node name either): the read error alone, no settings warning beside it', async () => {
    const run = await runCli([join(FIXTURES_DIR, 'no-such-fixture')]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([`${join(FIXTURES_DIR, 'no-such-fixture')}: error KPC001: cannot read ${join(FIXTURES_DIR, 'no-such-fixture')}: no such file or directory`]);
  });
});

describe('a file reached more than once', () => {
  it('kproxy-compile FILE DIR FILE LINK: each file is read once, so nothing is a duplicate of itself', async () => {
    const demo = join(FIXTURES_DIR, 'demo');
    const link = join(dir, 'shop-link.yaml');
    symlinkSync(join(demo, 'shop.yaml'), link);
    const once = await runCli([demo, '--hostname-override', 'node-a', '--format', 'restore']);
    const again = await runCli([join(demo, 'shop.yaml'), demo, join(demo, 'shop.yaml'), link, '--hostname-override', 'node-a', '--format', 'restore']);
    expect(again.stderr).toBe(once.stderr);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(once.stdout);
  });

  it('kproxy-compile A B with the same object in two files is still a duplicate (KPC019)', async () => {
    const demo = join(FIXTURES_DIR, 'demo');
    const copy = join(dir, 'shop-copy.yaml');
    writeFileSync(copy, readFileSync(join(demo, 'shop.yaml')));
    const run = await runCli([join(demo, 'shop.yaml'), copy, '--hostname-override', 'node-a']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/shop-copy\.yaml:\d+: error KPC019: Service shop\/frontend: appears more than once/);
  });
});

describe('flags that contradict themselves or each other', () => {
  const demo = join(FIXTURES_DIR, 'demo');
  it.each([
    [['--node-ip', '10.0.0.1,10.0.0.2'], '<flags>: error KPC040: --node-ip: gives 2 IPv4 addresses (10.0.0.1, 10.0.0.2): the node has one primary IP per family, so give at most one of each (list all its addresses with --node-addresses)'],
    [['--node-ip', 'fd00::1', '--node-ip', 'fd00::2'], '<flags>: error KPC040: --node-ip: gives 2 IPv6 addresses (fd00::1, fd00::2): the node has one primary IP per family, so give at most one of each (list all its addresses with --node-addresses)'],
    [['--hostname-override', 'node-a', '--node-name', 'node-b'], '<flags>: error KPC040: --node-name: is "node-b" but --hostname-override is "node-a": they name the same setting, give one'],
    [['--nfacct-counters', 'none,ct_state_invalid_dropped_pkts'], '<flags>: error KPC040: --nfacct-counters: \'none\' means no counters, so it stands alone; found "none,ct_state_invalid_dropped_pkts"'],
    [['diff', demo, '--full-sync'], '<flags>: error KPC040: --full-sync shapes a restore-delta payload: it needs --output restore-delta, found --output text'],
  ])('kproxy-compile DEMO %j: one error, exit 2, nothing on stdout', async (args, message) => {
    const argv = args[0] === 'diff' ? ['diff', demo, ...args.slice(1)] : [demo, ...args];
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(message);
  });

  it('kproxy-compile DEMO with flags that agree: one IP per family, both names the same node', async () => {
    const run = await runCli([demo, '--node-ip', '10.0.0.11', '--node-ip', 'fd00::11', '--hostname-override', 'node-a', '--node-name', 'Node-A', '--format', 'restore']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe((await runCli([demo, '--node-ip', '10.0.0.11,fd00::11', '--hostname-override', 'node-a', '--format', 'restore'])).stdout);
  });

  it('kproxy-compile DEMO -o - writes to standard output, not to a file named -', async () => {
    const cwd = mkdtempSync(join(dir, 'dash-'));
    const run = await runCli([demo, '-o', '-', '--format', 'restore'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe((await runCli([demo, '--format', 'restore'])).stdout);
    expect(existsSync(join(cwd, '-'))).toBe(false);
  });
});

describe('-o FILE writes through what is at the path', () => {
  const demo = join(FIXTURES_DIR, 'demo');
  const golden = readFileSync(join(demo, 'expected', 'save.txt'), 'utf8');

  it('a symlink stays a symlink and its target gets the output', async () => {
    const target = join(dir, 'link-target.txt');
    const link = join(dir, 'link.txt');
    writeFileSync(target, 'old\n');
    symlinkSync(target, link);
    const run = await runCli([demo, '-o', link]);
    expect(run.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(golden);
  });

  it('a FIFO stays a FIFO and its reader gets the output', async () => {
    const fifo = join(dir, 'out.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo], { timeout: 20_000 });
    const chunks: Buffer[] = [];
    reader.stdout.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve) => reader.on('close', resolve));
    const run = await runCli([demo, '-o', fifo]);
    await done;
    expect(run.code).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(golden);
  });
});

const KUBEADM_CONFIG = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: 10.244.0.0/16
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: ""
  interfaceNamePrefix: ""
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: ""
mode: ""
nftables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForVersion: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
`;
