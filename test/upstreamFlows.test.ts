import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from './helpers/fixtures.js';
import { tracePacket, readRules, type Protocol, type RuleTables } from './helpers/packetTrace.js';
import { runCli } from './helpers/runCli.js';

/**
 * kube-proxy's packet-flow tests (pkg/proxy/iptables/proxier_test.go) as data: each case under
 * test/upstream-flows/ is a manifest set, the node's flags and the flows the upstream test
 * expects. The manifests are compiled by the CLI, in both spellings, and each flow is traced
 * through the rules (test/upstream-flows/README.md describes the layout).
 */

const FLOWS_DIR = join(import.meta.dirname, 'upstream-flows');
const TRACER_CASES = 'TestTracePacket';
const FORMATS = ['restore', 'save'] as const;

interface Flow {
  readonly name: string;
  readonly sourceIP: string;
  readonly destIP: string;
  readonly destPort: number;
  readonly protocol: Protocol;
  readonly output: string;
  readonly masq: boolean;
}

interface FlowCase {
  /** Path below test/upstream-flows/, e.g. `TestNodePorts/ipv6-localhost-nodeports`. */
  readonly name: string;
  readonly dir: string;
  readonly args: readonly string[];
  readonly flows: readonly Flow[];
}

const subdirs = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

function readFlows(file: string): Flow[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Flow);
}

function readArgs(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
}

/** The node's addresses as the args give them (`--node-addresses`), which LOCAL matches. */
function nodeAddresses(args: readonly string[]): string[] {
  const i = args.indexOf('--node-addresses');
  if (i < 0) throw new Error('the args name no --node-addresses');
  return args[i + 1].split(',');
}

/** Every case directory: one holding flows.jsonl, below a test's directory or the test's directory itself. */
function listCases(): FlowCase[] {
  const out: FlowCase[] = [];
  const visit = (dir: string) => {
    if (existsSync(join(dir, 'flows.jsonl'))) {
      out.push({ name: relative(FLOWS_DIR, dir), dir, args: readArgs(join(dir, 'args')), flows: readFlows(join(dir, 'flows.jsonl')) });
    }
    for (const sub of subdirs(dir)) visit(join(dir, sub));
  };
  for (const test of subdirs(FLOWS_DIR)) if (test !== TRACER_CASES) visit(join(FLOWS_DIR, test));
  return out;
}

const describeFlow = (f: Flow) => `${f.protocol} ${f.sourceIP} -> ${f.destIP}:${f.destPort} (${f.name})`;

/** Traces every flow and expects upstream's output and masquerade flag; a failure lists every flow that differs. */
function expectFlows(rules: RuleTables, flows: readonly Flow[], local: readonly string[]): void {
  const got: { flow: string; output: string; masq: boolean }[] = [];
  const why: string[] = [];
  for (const f of flows) {
    const trace = tracePacket(rules, f, local);
    got.push({ flow: describeFlow(f), output: trace.output, masq: trace.masq });
    if (trace.output !== f.output || trace.masq !== f.masq) why.push(`${describeFlow(f)} matched:\n  ${trace.matched.join('\n  ')}`);
  }
  expect(got, why.join('\n')).toEqual(flows.map((f) => ({ flow: describeFlow(f), output: f.output, masq: f.masq })));
}

async function compile(dir: string, args: readonly string[], format: (typeof FORMATS)[number]): Promise<string> {
  const run = await runCli([join(dir, 'manifests.yaml'), ...args, '--format', format]);
  expect(run.stderr).not.toMatch(/error KPC/);
  expect(run.code).toBe(0);
  return run.stdout;
}

describe('upstream packet-flow cases (kube-proxy proxier_test.go)', () => {
  const cases = listCases();

  it('every test directory has a README and every case its manifests, args and flows', () => {
    const problems: string[] = [];
    for (const test of subdirs(FLOWS_DIR)) {
      if (!existsSync(join(FLOWS_DIR, test, 'README.md'))) problems.push(`${test} has no README.md`);
    }
    for (const c of cases) {
      for (const file of ['manifests.yaml', 'args']) if (!existsSync(join(c.dir, file))) problems.push(`${c.name} has no ${file}`);
      if (c.flows.length === 0) problems.push(`${c.name} has no flows`);
    }
    // A directory with manifests or args but no flows.jsonl would be skipped without a word.
    const stray = (dir: string): void => {
      const has = (f: string) => existsSync(join(dir, f));
      if ((has('manifests.yaml') || has('args')) && !has('flows.jsonl')) problems.push(`${relative(FLOWS_DIR, dir)} has no flows.jsonl`);
      for (const sub of subdirs(dir)) stray(join(dir, sub));
    };
    stray(FLOWS_DIR);
    expect(problems).toEqual([]);
    expect(cases.reduce((n, c) => n + c.flows.length, 0)).toBe(227);
  });

  for (const c of cases) {
    for (const format of FORMATS) {
      it(`kproxy-compile upstream-flows/${c.name} --format ${format} (${c.flows.length} flows traced as upstream expects)`, async () => {
        const rules = readRules(await compile(c.dir, c.args, format));
        expectFlows(rules, c.flows, nodeAddresses(c.args));
      });
    }
  }
});

describe('packet tracer (upstream TestTracePacket cases)', () => {
  const flows = readFlows(join(FLOWS_DIR, TRACER_CASES, 'flows.jsonl'));
  const fixture = join(FIXTURES_DIR, 'upstream-overall');
  const args = readArgs(join(fixture, 'args'));
  const local = nodeAddresses(args);

  it("traces kube-proxy's own expected rules of fixtures/upstream-overall as upstream's tracer does", () => {
    expect(flows).toHaveLength(7);
    expectFlows(readRules(readFileSync(join(fixture, 'upstream.txt'), 'utf8')), flows, local);
  });

  for (const format of FORMATS) {
    it(`kproxy-compile fixtures/upstream-overall --format ${format} (traces the same)`, async () => {
      const run = await runCli([fixture, ...args, '--format', format]);
      expect(run.code).toBe(0);
      expectFlows(readRules(run.stdout), flows, local);
    });
  }

  it('never matches a rule that tests connection state (affinity, marks, conntrack), negated or not', () => {
    const text = [
      '*nat',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-SVC-A - [0:0]',
      ':KUBE-SEP-1 - [0:0]',
      ':KUBE-SEP-2 - [0:0]',
      '-A KUBE-SERVICES -d 172.30.0.50/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-A',
      '-A KUBE-SVC-A -m recent --name KUBE-SEP-1 --rcheck --seconds 10800 --reap -j KUBE-SEP-1',
      '-A KUBE-SVC-A -m mark ! --mark 0x4000/0x4000 -j KUBE-SEP-2',
      '-A KUBE-SVC-A -m conntrack ! --ctstate RELATED,ESTABLISHED -j KUBE-SEP-2',
      '-A KUBE-SVC-A -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-1',
      '-A KUBE-SVC-A -j KUBE-SEP-2',
      '-A KUBE-SEP-1 -p tcp -m tcp -j DNAT --to-destination 10.1.0.1:80',
      '-A KUBE-SEP-2 -p tcp -m tcp -j DNAT --to-destination 10.1.0.2:80',
      'COMMIT',
    ].join('\n');
    const trace = tracePacket(text, { sourceIP: '10.0.0.2', destIP: '172.30.0.50', destPort: 80, protocol: 'tcp' }, []);
    expect(trace.output).toBe('10.1.0.1:80, 10.1.0.2:80');
  });

  it('refuses an option it does not model instead of guessing', () => {
    const text = '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\nCOMMIT\n';
    expect(() => readRules(text)).toThrow(/--match-set/);
  });
});
