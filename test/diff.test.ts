import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, listFixtures } from './helpers/fixtures.js';
import { runCli } from './helpers/runCli.js';
import { changedServices } from '../src/diff/restoreDelta.js';
import { loadNodeView } from '../src/cli/loadNodeView.js';
import { commonOptions } from '../src/cli/commonOptions.js';
import { stateFromDump, stateFromDumpText, stateFromRuleset, type RuleState } from '../src/diff/ruleState.js';
import { diffAnnotated, diffStates } from '../src/diff/diffStates.js';
import { annotateChains } from '../src/diff/annotate.js';
import { parseIptables } from '../src/backends/iptables/parseIptables.js';
import { formatDiagnostic } from '../src/diagnostics/diagnostic.js';
import { compiledState } from '../src/cli/loadDiffSide.js';
import { lowerIptables } from '../src/backends/iptables/lowerIptables.js';
import { renderSave, saveTables } from '../src/backends/iptables/renderSave.js';
import { setAsideAgreeing } from '../src/diff/setAsideAgreeing.js';
import type { NodeModel } from '../src/model/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'kpc-diff-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SEQ = join(FIXTURES_DIR, 'sequences', 'sync-repeated');
const seqArgs = readFileSync(join(SEQ, 'args'), 'utf8').split('\n').filter(Boolean);
const step = (n: number) => join(SEQ, `step-${String(n).padStart(2, '0')}`);
const upstream = (n: number) => readFileSync(join(step(n), 'upstream.txt'), 'utf8').replaceAll('0x4000', '0x00004000');

/** A copy of fixtures/demo with one edit applied to one of its files. */
function editedDemo(name: string, file: string, edit: (text: string) => string): string {
  const dir = join(tmp, name);
  cpSync(join(FIXTURES_DIR, 'demo'), dir, { recursive: true });
  rmSync(join(dir, 'expected'), { recursive: true, force: true });
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

interface Json {
  equal: boolean;
  summary: { chainsAdded: number; chainsRemoved: number; rulesAdded: number; rulesRemoved: number };
  changes: { type: string; table: string; chain: string; service?: string; rule?: string; rules?: string[] }[];
}

async function jsonDiff(a: string, b: string, extra: string[] = []): Promise<{ code: number; json: Json }> {
  const run = await runCli(['diff', a, b, '--output', 'json', ...extra]);
  expect(run.stderr).not.toMatch(/error/);
  return { code: run.code, json: JSON.parse(run.stdout) as Json };
}

describe('kproxy-compile diff X X (no differences, exit 0) for every fixture', () => {
  for (const f of listFixtures()) {
    it(`kproxy-compile diff fixtures/${f.name} fixtures/${f.name}`, async () => {
      const run = await runCli(['diff', f.dir, f.dir, ...f.args, '--output', 'json']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ equal: true, changes: [] });
    });
  }
});

describe('golden files in CI, as the README shows: record with -o, check with diff', () => {
  it('the recorded rules check clean (exit 0); a changed endpoint is drift (exit 1) naming the endpoints', async () => {
    const golden = join(tmp, 'golden-node-a.rules');
    const record = await runCli([join(FIXTURES_DIR, 'demo'), '-o', golden]);
    expect(record.code).toBe(0);
    const clean = await runCli(['diff', golden, join(FIXTURES_DIR, 'demo')]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe('no differences\n');
    const drifted = editedDemo('golden-drift', 'shop.yaml', (t) => t.replace('10.244.3.30', '10.244.3.31'));
    const check = await runCli(['diff', golden, drifted, '--no-color']);
    expect(check.code).toBe(1);
    expect(check.stdout.split('\n').slice(0, 3)).toEqual(['shop/frontend:http', '  endpoints added: 10.244.3.31:8080', '  endpoints removed: 10.244.3.30:8080']);
  });
});

describe('kproxy-compile diff OLD NEW (each kind of change)', () => {
  const demo = join(FIXTURES_DIR, 'demo');

  it('an endpoint replaced: one SEP chain removed, one added, the SVC dispatch rule swapped', async () => {
    const b = editedDemo('ep-replaced', 'shop.yaml', (t) => t.replace('10.244.3.30', '10.244.3.31'));
    const { code, json } = await jsonDiff(demo, b);
    expect(code).toBe(1);
    expect(json.summary).toEqual({ chainsAdded: 1, chainsRemoved: 1, rulesAdded: 3, rulesRemoved: 3 });
    const removed = json.changes.find((c) => c.type === 'chain-removed')!;
    expect(removed.service).toBe('shop/frontend:http -> 10.244.3.30:8080');
    const added = json.changes.find((c) => c.type === 'chain-added')!;
    expect(added.rules).toContain(`-A ${added.chain} -p tcp -m comment --comment "shop/frontend:http" -m tcp -j DNAT --to-destination 10.244.3.31:8080`);
  });

  // Chain names as kube-proxy's own step-06 payload spells them.
  it('an endpoint added: probabilities of the earlier endpoints change', async () => {
    const { code, json } = await jsonDiff(step(5), step(6), seqArgs);
    expect(code).toBe(1);
    const svc = json.changes.filter((c) => c.chain.startsWith('KUBE-SVC-'));
    expect(svc.map((c) => `${c.type} ${c.rule}`)).toEqual([
      'rule-removed -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -j KUBE-SEP-DKCFIS26GWF2WLWC',
      'rule-added -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-DKCFIS26GWF2WLWC',
      'rule-added -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.3:80" -j KUBE-SEP-JVVZVJ7BSEPPRNBS',
    ]);
  });

  it('a Service deleted: all its chains removed and its entry rule gone', async () => {
    const { json } = await jsonDiff(step(1), step(2), seqArgs);
    expect(json.changes.filter((c) => c.type === 'chain-removed').map((c) => c.service).sort()).toEqual(['ns2/svc2:p8080', 'ns2/svc2:p8080 -> 10.0.2.1:8080']);
    expect(json.changes.some((c) => c.type === 'rule-removed' && c.chain === 'KUBE-SERVICES' && c.rule!.includes('ns2/svc2:p8080 cluster IP'))).toBe(true);
  });

  it('a policy change: externalTrafficPolicy Cluster -> Local adds KUBE-SVL and the short-circuit rules', async () => {
    const b = editedDemo('etp-local', 'shop.yaml', (t) => t.replace(/(name: frontend[\s\S]*?spec:\n)/, '$1  externalTrafficPolicy: Local\n'));
    const { code, json } = await jsonDiff(demo, b);
    expect(code).toBe(1);
    const ext = json.changes.filter((c) => c.chain.startsWith('KUBE-EXT-') && c.service === 'shop/frontend:http');
    expect(ext.map((c) => c.type)).toContain('rule-added');
    expect(ext.some((c) => c.rule?.includes('route LOCAL traffic for shop/frontend:http external destinations'))).toBe(true);
  });

  it('kproxy-compile diff (text report, grouped by service, hashes annotated)', async () => {
    const b = editedDemo('ep-text', 'shop.yaml', (t) => t.replace('10.244.3.30', '10.244.3.31'));
    const run = await runCli(['diff', demo, b]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^shop\/frontend:http\n {2}endpoints added: 10\.244\.3\.31:8080\n {2}endpoints removed: 10\.244\.3\.30:8080\n/);
    expect(run.stdout).toMatch(/nat KUBE-SVC-PY4JZH2ITZYEO4CN \(shop\/frontend:http\)\n {4}- -A KUBE-SVC-PY4JZH2ITZYEO4CN .*10\.244\.3\.30:8080.*\n {4}\+ -A KUBE-SVC-PY4JZH2ITZYEO4CN .*10\.244\.3\.31:8080/);
    expect(run.stdout).toMatch(/1 chain\(s\) added, 1 removed; 3 rule\(s\) added, 3 removed\n$/);
    expect(run.stdout).not.toMatch(/\x1b\[/); // no colour when stdout is not a terminal
    const forced = await runCli(['diff', demo, b], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(/\x1b\[3[12]m/);
    const off = await runCli(['diff', demo, b, '--no-color'], { env: { FORCE_COLOR: '1' } });
    expect(off.stdout).not.toMatch(/\x1b\[/);
  });

  it('kproxy-compile diff --output restore-delta needs manifests on both sides', async () => {
    const save = join(tmp, 'demo.save');
    writeFileSync(save, (await runCli([demo])).stdout);
    const run = await runCli(['diff', save, demo, '--output', 'restore-delta']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/needs manifests on both sides/);
  });
});

describe("kproxy-compile diff --output restore-delta (kube-proxy's partial sync, TestSyncProxyRulesRepeated)", () => {
  for (const n of [1, 2, 3, 4, 5, 6, 7]) {
    it(`step-${String(n - 1).padStart(2, '0')} -> step-${String(n).padStart(2, '0')} equals kube-proxy's payload`, async () => {
      const run = await runCli(['diff', step(n - 1), step(n), ...seqArgs, '--output', 'restore-delta']);
      expect(run.stdout).toBe(upstream(n));
    });
  }
  it('step-07 -> step-09 --full-sync (the resync after the failed step-08 restore) equals kube-proxy\'s payload', async () => {
    const run = await runCli(['diff', step(7), step(9), ...seqArgs, '--output', 'restore-delta', '--full-sync']);
    expect(run.stdout).toBe(upstream(9));
  });
  it('--defer-chain-cleanup below large-cluster mode changes nothing (kube-proxy cleans up on every sync), and says so', async () => {
    // step-02 deletes two chains (upstream's payload has their -X lines).
    expect(upstream(2)).toMatch(/^-X /m);
    const run = await runCli(['diff', step(1), step(2), ...seqArgs, '--output', 'restore-delta', '--defer-chain-cleanup']);
    expect(run.stdout).toBe(upstream(2));
    // (step-02 keeps a slice of a deleted Service: its KPC030 comes first.)
    expect(run.stderr).toMatch(/\n<flags>: warning KPC032: --defer-chain-cleanup changes nothing here: NEW has \d+ endpoints, and below large-cluster mode \(more than 1000\) kube-proxy deletes unused chains on every sync\n$/);
  });
  it('--defer-chain-cleanup needs --output restore-delta', async () => {
    const run = await runCli(['diff', step(1), step(2), ...seqArgs, '--defer-chain-cleanup']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('<flags>: error KPC040: --defer-chain-cleanup shapes a restore-delta payload: it needs --output restore-delta, found --output text\n');
  });
});

describe('changedServices (which services a partial sync rewrites)', () => {
  // The demo carries its node settings (a Node and a KubeProxyConfiguration), so no flags are needed.
  const load = async (dir: string) => {
    const view = await loadNodeView({ paths: [dir], ...commonOptions({}).options }, { cwd: process.cwd(), readStdin: async () => Buffer.alloc(0) });
    expect(view.model).toBeDefined();
    return view.model!;
  };

  it('is empty for the same input and names exactly the services whose model data differ', async () => {
    const base = await load(join(FIXTURES_DIR, 'demo'));
    expect(changedServices(base, await load(join(FIXTURES_DIR, 'demo'))).size).toBe(0);
    // A changed endpoint condition, an extra field, and a missing field each count as a change.
    const sp = base.servicePorts[0];
    const key = `${sp.namespace}/${sp.service}`;
    const flipped = { ...base, servicePorts: base.servicePorts.map((p, i) => (i === 0 ? { ...p, endpoints: p.endpoints.map((e, k) => (k === 0 ? { ...e, ready: !e.ready } : e)) } : p)) };
    expect([...changedServices(base, flipped)]).toEqual([key]);
    const extra = { ...base, servicePorts: base.servicePorts.map((p, i) => (i === 0 ? { ...p, extra: 1 } : p)) };
    expect([...changedServices(base, extra)]).toEqual([key]);
    const { port: _port, ...withoutPort } = sp;
    const missing = { ...base, servicePorts: base.servicePorts.map((p, i) => (i === 0 ? (withoutPort as typeof sp) : p)) };
    expect([...changedServices(base, missing)]).toEqual([key]);
    expect([...changedServices(missing, base)]).toEqual([key]);
  });
});

describe('stateFromRuleset (a compiled state without putting it in save order first)', () => {
  for (const f of listFixtures().filter((x) => x.backend === 'iptables')) {
    it(`fixtures/${f.name}: equals the state of the save view, with and without --all-chains`, async () => {
      const run = await runCli(['compile', f.dir, ...f.args, '--format', 'model']);
      expect(run.code).toBe(0);
      const model = JSON.parse(run.stdout) as NodeModel;
      const plain = (s: RuleState) => [...s.chains.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const allChains of [false, true]) {
        const viaView = stateFromDump({ tables: saveTables(lowerIptables(model)) }, model.family, { allChains });
        const direct = stateFromRuleset(lowerIptables(model, undefined, 'none'), { allChains });
        expect(direct.family).toBe(viaView.family);
        expect(plain(direct)).toEqual(plain(viaView));
        // The fixture's rules are really compared: nat holds at least the fixed kube-proxy chains.
        expect(direct.chains.has('nat/KUBE-SERVICES')).toBe(true);
      }
    });
  }
});

describe('annotateChains with an interest names those chains exactly as a full reading does', () => {
  const states = new Map<string, RuleState>();
  const stateOf = async (name: string, dir: string, args: readonly string[]) => {
    if (!states.has(name)) {
      const run = await runCli(['compile', dir, ...args, '--format', 'model']);
      expect(run.code).toBe(0);
      states.set(name, compiledState(JSON.parse(run.stdout) as NodeModel, false));
    }
    return states.get(name)!;
  };
  const fixtures = listFixtures().filter((x) => x.backend === 'iptables' && x.family === 'ipv4');
  const pairs: [string, string][] = fixtures.map((f, i) => [f.name, fixtures[(i + 1) % fixtures.length].name]);
  for (let n = 1; n <= 7; n++) pairs.push([`step-${n - 1}`, `step-${n}`]);
  it.each(pairs)('%s -> %s', async (x, y) => {
    const load = (name: string) => {
      const f = fixtures.find((g) => g.name === name);
      return f ? stateOf(name, f.dir, f.args) : stateOf(name, step(Number(name.slice(5))), seqArgs);
    };
    const pair = [await load(x), await load(y)];
    const interest = new Set(diffStates(pair[0], pair[1]).changes.map((c) => c.chain));
    const full = annotateChains(pair);
    const some = annotateChains(pair, interest);
    named += [...interest].filter((c) => full.has(c)).length;
    for (const c of interest) expect(some.get(c), c).toBe(full.get(c));
  });
  it.each(fixtures.map((f) => f.name))('%s with one chain of each hashed kind shortened', async (name) => {
    const f = fixtures.find((g) => g.name === name)!;
    const state = await stateOf(name, f.dir, f.args);
    for (const prefix of ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-']) {
      const victim = [...state.chains.values()].find((c) => c.name.startsWith(prefix) && c.rules.length > 0);
      if (!victim) continue;
      const chains = new Map(state.chains);
      chains.set(`${victim.table}/${victim.name}`, { ...victim, keys: victim.keys.slice(1), rules: victim.rules.slice(1) });
      const pair = [state, { ...state, chains }];
      const full = annotateChains(pair);
      const some = annotateChains(pair, new Set([victim.name]));
      if (full.has(victim.name)) named++;
      expect(some.get(victim.name), victim.name).toBe(full.get(victim.name));
    }
  });
  let named = 0;
  it('is exercised: the pairs above have hundreds of named chains between them', () => {
    expect(named).toBeGreaterThan(200);
  });
});

/** Variants of a save dump: as it is, and with the kinds of change a node shows. */
const dumpVariants = (text: string): [string, string][] => {
  const lines = text.split('\n');
  const ruleAt = lines.findIndex((l) => /^-A KUBE-(SEP|SVC|EXT|FW)-/.test(l));
  const anyKube = lines.findIndex((l) => l.startsWith('-A KUBE-'));
  const edit = (i: number, f: (l: string) => string) => lines.map((l, k) => (k === i ? f(l) : l)).join('\n');
  const out: [string, string][] = [['as it is', text]];
  if (ruleAt >= 0) out.push(['one per-service rule removed', lines.filter((_, k) => k !== ruleAt).join('\n')]);
  if (anyKube >= 0) {
    out.push(['one rule changed', edit(anyKube, (l) => l.replace(/ -j \S+.*$/, ' -j ACCEPT'))]);
    out.push(['one rule with counters', edit(anyKube, (l) => `[3:180] ${l}`)]);
    out.push(['one rule repeated with counters', lines.flatMap((l, k) => (k === anyKube ? [l, `[3:180] ${l}`] : [l])).join('\n')]);
    out.push(['one rule unparsable', edit(anyKube, (l) => `${l} --no-such-option`)]);
  }
  // KUBE-SERVICES in another order, as kube-proxy's map order writes it on a node.
  const svc = lines.map((l, k) => [l, k] as const).filter(([l]) => l.startsWith('-A KUBE-SERVICES '));
  if (svc.length > 1) {
    const reordered = [...lines];
    svc.forEach(([, k], i) => { reordered[k] = svc[svc.length - 1 - i][0]; });
    out.push(['KUBE-SERVICES reordered', reordered.join('\n')]);
  }
  return out;
};

describe('stateFromDumpText (a dump read against the compiled rules) gives the same diff as a full read', () => {
  for (const f of listFixtures().filter((x) => x.backend === 'iptables' && existsSync(join(x.dir, 'expected', 'save.txt')))) {
    it(`fixtures/${f.name}`, async () => {
      const run = await runCli(['compile', f.dir, ...f.args, '--format', 'model']);
      expect(run.code).toBe(0);
      const model = JSON.parse(run.stdout) as NodeModel;
      const golden = readFileSync(join(f.dir, 'expected', 'save.txt'), 'utf8');
      for (const allChains of [false, true]) {
        const compiled = compiledState(model, allChains);
        for (const [what, text] of dumpVariants(golden)) {
          const full = parseIptables(text, 'dump.txt');
          const fast = stateFromDumpText(text, 'dump.txt', { allChains }, compiled);
          expect(fast.diagnostics, what).toEqual(full.diagnostics);
          if (!full.dump) {
            expect(fast.state, what).toBeUndefined();
            continue;
          }
          const plain = stateFromDump(full.dump, model.family, { allChains });
          expect(diffAnnotated(compiled, fast.state!), what).toEqual(diffAnnotated(compiled, plain));
          expect(diffAnnotated(fast.state!, compiled), what).toEqual(diffAnnotated(plain, compiled));
        }
      }
    });
  }

  it('is exercised: the golden of the demo is compared as text, and one changed rule is reported', async () => {
    const dir = join(FIXTURES_DIR, 'demo');
    const model = JSON.parse((await runCli(['compile', dir, '--format', 'model'])).stdout) as NodeModel;
    const compiled = compiledState(model, false);
    const golden = readFileSync(join(dir, 'expected', 'save.txt'), 'utf8');
    const same = stateFromDumpText(golden, 'dump.txt', {}, compiled).state!;
    // Chains read as text share the compiled side's state objects.
    const sharedChains = [...same.chains.values()].filter((c) => compiled.chains.get(`${c.table}/${c.name}`) === c);
    expect(sharedChains.length).toBeGreaterThan(10);
    expect(diffAnnotated(compiled, same).changes).toEqual([]);
    const line = golden.split('\n').find((l) => l.startsWith('-A KUBE-SEP-'))!;
    const changed = stateFromDumpText(golden.replace(line, line.replace(/ -j \S+.*$/, ' -j ACCEPT')), 'dump.txt', {}, compiled).state!;
    expect(diffAnnotated(compiled, changed).summary).toEqual({ chainsAdded: 0, chainsRemoved: 0, rulesAdded: 1, rulesRemoved: 1 });
  });
});

describe('kproxy-compile diff MANIFESTS DUMP (agreeing per-service chains set aside) gives the diff of a full read', () => {
  /** More variants, at what setting chains aside looks at: runs, declarations, blanks, line ends. */
  const moreVariants = (text: string): [string, string][] => {
    const lines = text.split('\n');
    const sep = lines.findIndex((l) => /^-A KUBE-SEP-/.test(l));
    const decl = lines.findIndex((l) => /^:KUBE-SEP-/.test(l));
    const commit = lines.lastIndexOf('COMMIT');
    const out: [string, string][] = [];
    if (sep >= 0 && commit > sep) out.push(['a per-service chain in two runs', [...lines.slice(0, sep), ...lines.slice(sep + 1, commit), lines[sep], ...lines.slice(commit)].join('\n')]);
    if (decl >= 0) {
      out.push(['a per-service chain not declared', lines.filter((_, k) => k !== decl).join('\n')]);
      out.push(['a per-service chain declared twice', lines.flatMap((l, k) => (k === decl ? [l, l] : [l])).join('\n')]);
      out.push(['an extra chain', lines.flatMap((l, k) => (k === decl ? [l, ':KUBE-SEP-ZZZZZZZZZZZZZZZZ - [0:0]'] : [l])).join('\n').replace('\nCOMMIT\n# Completed', '\n-A KUBE-SEP-ZZZZZZZZZZZZZZZZ -j DROP\nCOMMIT\n# Completed')]);
    }
    if (sep >= 0) {
      out.push(['a blank after a rule', lines.map((l, k) => (k === sep ? `${l} ` : l)).join('\n')]);
      // After the chain's last rule, so that its other lines still read as the compiled ones.
      const chain = lines[sep].split(' ')[1];
      let lastOfChain = sep;
      while (lines[lastOfChain + 1]?.startsWith(`-A ${chain} `)) lastOfChain++;
      out.push(['a rule repeated after a blank', lines.flatMap((l, k) => (k === lastOfChain ? [l, ` ${l}`] : [l])).join('\n')]);
      out.push(['a per-service rule repeated', lines.flatMap((l, k) => (k === lastOfChain ? [l, l] : [l])).join('\n')]);
      const natRules = lines.findIndex((l, k) => l.startsWith('-A ') && lines.lastIndexOf('*nat', k) > lines.lastIndexOf('*filter', k));
      if (natRules >= 0 && natRules < sep) out.push(['a per-service rule repeated ahead of its chain', lines.flatMap((l, k) => (k === natRules ? [lines[sep], l] : [l])).join('\n')]);
      // One digit changed: the same length, other text.
      out.push(['a per-service rule changed in place', lines.map((l, k) => (k === sep ? l.replace(/(\d)(\D*)$/, (_, d: string, rest: string) => `${(Number(d) + 1) % 10}${rest}`) : l)).join('\n')]);
    }
    out.push(['CRLF line ends', text.replaceAll('\n', '\r\n')]);
    const nat = lines.indexOf('*nat');
    const natEnd = lines.indexOf('COMMIT', nat);
    if (nat >= 0) out.push(['the nat table twice', [...lines, ...lines.slice(nat, natEnd + 1)].join('\n')]);
    return out;
  };
  it('takes no byte of a UTF-8 sequence for a character: a comment misread as Latin-1 is a difference', async () => {
    const model = JSON.parse((await runCli(['compile', join(FIXTURES_DIR, 'demo'), '--format', 'model'])).stdout) as NodeModel;
    // No validated manifest yields a non-ASCII rule; a model can, and the check must not be fooled by it.
    const [first, ...rest] = model.servicePorts;
    const odd: NodeModel = { ...model, servicePorts: [{ ...first, id: `${first.id}\u00e9` }, ...rest] };
    const save = renderSave(lowerIptables(odd));
    expect(save).toContain('\u00e9');
    const compare = (text: string) => {
      const r = setAsideAgreeing(text, odd, {})!;
      return diffAnnotated(r.reference, stateFromDumpText(r.text, 'dump.txt', {}, r.reference, r.aside).state!).changes.length;
    };
    expect(compare(save)).toBe(0);
    // Misread only in the per-service chains (entry rules carry the name too, and are always parsed).
    const misread = save.split('\n').map((l) => (/^-A KUBE-(SVC|SEP)-/.test(l) ? l.replaceAll('\u00e9', '\u00c3\u00a9') : l)).join('\n');
    expect(misread).not.toBe(save);
    expect(compare(misread)).toBeGreaterThan(0);
  });

  const tmpDump = join(tmp, 'node-dumps');
  for (const f of listFixtures().filter((x) => x.backend === 'iptables' && existsSync(join(x.dir, 'expected', 'save.txt')))) {
    it(`fixtures/${f.name}`, async () => {
      const model = JSON.parse((await runCli(['compile', f.dir, ...f.args, '--format', 'model'])).stdout) as NodeModel;
      const golden = readFileSync(join(f.dir, 'expected', 'save.txt'), 'utf8');
      cpSync(f.dir, join(tmpDump, f.name), { recursive: true });
      for (const [n, [what, text]] of [...dumpVariants(golden), ...moreVariants(golden)].entries()) {
        const file = join(tmpDump, `${f.name.replaceAll('/', '_')}-${n}.txt`);
        writeFileSync(file, text);
        const run = await runCli(['diff', f.dir, file, ...f.args, '--output', 'json']);
        const full = parseIptables(text, file);
        if (!full.dump || full.diagnostics.some((d) => d.severity === 'error')) {
          expect(run.code, what).toBe(2);
          for (const d of full.diagnostics) expect(run.stderr, what).toContain(d.message);
          continue;
        }
        const expected = diffAnnotated(compiledState(model, false), stateFromDump(full.dump, model.family, {}));
        expect(run.code, `${what}: ${run.stderr}`).toBe(expected.changes.length ? 1 : 0);
        expect(JSON.parse(run.stdout).changes, what).toEqual(JSON.parse(JSON.stringify(expected.changes)));
      }
    });
  }
});

describe('the node check with KUBE-SERVICES in map order (as a node writes it): no differences', () => {
  // nodeport-addresses and ipv6 print the node-port tail rules with -d ahead of the comment, so
  // only the comment tells them apart; multi-port Services check that ports, not only Services, are put in order.
  const cases = listFixtures().filter((x) => x.backend === 'iptables' && existsSync(join(x.dir, 'expected', 'save.txt')));
  it('covers the tail rules printed with -d first, and multi-port Services', () => {
    const texts = cases.map((f) => readFileSync(join(f.dir, 'expected', 'save.txt'), 'utf8'));
    expect(texts.some((t) => /^-A KUBE-SERVICES (! )?-d \S+ -m comment --comment "kubernetes service nodeports;/m.test(t))).toBe(true);
    expect(texts.some((t) => /--comment "([^ ":]+):[^ "]+ cluster IP"[^\n]*\n(?:.*\n)*?.*--comment "\1:[^ "]+ cluster IP"/.test(t))).toBe(true);
  });
  for (const f of cases) {
    it(`kproxy-compile diff fixtures/${f.name} <its save view, service ports reversed in KUBE-SERVICES>`, async () => {
      const name = f.name;
      const lines = readFileSync(join(f.dir, 'expected', 'save.txt'), 'utf8').split('\n');
      const tail = (l: string) => l.includes('--comment "kubernetes service nodeports;');
      // kube-proxy writes each service port's rules together, in a fixed order, and the service
      // ports in map order; the tail rules stay last, in their order. Reverse the service ports.
      const port = (l: string) => /--comment "?([^ "]*)/.exec(l)![1];
      const reordered = [...lines];
      // Each table on its own: filter and nat both have a KUBE-SERVICES chain.
      const starts = lines.map((l, k) => (l.startsWith('*') ? k : -1)).filter((k) => k >= 0);
      starts.forEach((from, t) => {
        const to = t + 1 < starts.length ? starts[t + 1] : lines.length;
        const at = lines.map((l, k) => [l, k] as const).filter(([l, k]) => k > from && k < to && l.startsWith('-A KUBE-SERVICES ') && !tail(l));
        const groups: string[][] = [];
        for (const [l] of at) {
          if (groups.length && port(groups[groups.length - 1][0]) === port(l)) groups[groups.length - 1].push(l);
          else groups.push([l]);
        }
        const shuffled = groups.reverse().flat();
        at.forEach(([, k], i) => { reordered[k] = shuffled[i]; });
      });
      const dump = join(tmp, `${name}-node.txt`);
      writeFileSync(dump, reordered.join('\n'));
      const { code, json } = await jsonDiff(f.dir, dump, [...f.args]);
      expect(json.changes).toEqual([]);
      expect(code).toBe(0);
    });
  }
});

describe('kproxy-compile diff DUMP DUMP (NEW read against OLD) gives the diff of two full reads', () => {
  const cases = listFixtures().filter((x) => x.backend === 'iptables' && existsSync(join(x.dir, 'expected', 'save.txt')));
  /** What the CLI prints for two dumps read each on its own: diagnostics of both, else the diff. */
  const plainRead = (oldText: string, oldFile: string, newText: string, newFile: string, family: 'IPv4' | 'IPv6') => {
    const a = parseIptables(oldText, oldFile);
    const b = parseIptables(newText, newFile);
    const diagnostics = [...a.diagnostics, ...b.diagnostics];
    if (diagnostics.some((d) => d.severity === 'error')) return { stderr: diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''), code: 2 };
    const result = diffAnnotated(stateFromDump(a.dump!, family), stateFromDump(b.dump!, family));
    return { stderr: diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''), code: result.changes.length ? 1 : 0, changes: result.changes };
  };
  for (const f of cases) {
    it(`fixtures/${f.name}: its save view against each variant, both ways`, async () => {
      const golden = readFileSync(join(f.dir, 'expected', 'save.txt'), 'utf8');
      const family = f.family === 'ipv6' ? 'IPv6' : 'IPv4';
      const extra = family === 'IPv6' ? ['--family', 'ipv6'] : [];
      const variants = dumpVariants(golden);
      expect(variants.length).toBeGreaterThan(3);
      for (const [what, text] of variants) {
        const x = join(tmp, `${f.name}-x.txt`);
        const y = join(tmp, `${f.name}-y.txt`);
        for (const [oldText, newText] of [[golden, text], [text, golden]]) {
          writeFileSync(x, oldText);
          writeFileSync(y, newText);
          const run = await runCli(['diff', x, y, '--output', 'json', ...extra]);
          const want = plainRead(oldText, x, newText, y, family);
          expect(run.stderr, what).toBe(want.stderr);
          expect(run.code, what).toBe(want.code);
          if (want.changes) expect(JSON.parse(run.stdout).changes, what).toEqual(want.changes);
          else expect(run.stdout, what).toBe('');
        }
      }
    });
  }

  it('is exercised: NEW shares OLD chain states, and a removed rule is reported as exactly that rule', async () => {
    const golden = readFileSync(join(FIXTURES_DIR, 'demo', 'expected', 'save.txt'), 'utf8');
    const old = stateFromDump(parseIptables(golden, 'old.txt').dump!, 'IPv4');
    const same = stateFromDumpText(golden, 'new.txt', {}, old).state!;
    const shared = [...same.chains.values()].filter((c) => old.chains.get(`${c.table}/${c.name}`) === c);
    expect(shared.length).toBeGreaterThan(10);
    const line = golden.split('\n').find((l) => l.startsWith('-A KUBE-SEP-'))!;
    writeFileSync(join(tmp, 'demo-old.txt'), golden);
    writeFileSync(join(tmp, 'demo-new.txt'), golden.replace(`${line}\n`, ''));
    const { code, json } = await jsonDiff(join(tmp, 'demo-old.txt'), join(tmp, 'demo-new.txt'));
    expect(code).toBe(1);
    expect(json.changes).toHaveLength(1);
    expect(json.changes[0]).toMatchObject({ type: 'rule-removed', table: 'nat', chain: line.split(' ')[1], rule: line });
  });
});

describe('kproxy-compile diff with one side on standard input (-)', () => {
  const demo = join(FIXTURES_DIR, 'demo');
  const golden = readFileSync(join(demo, 'expected', 'save.txt'), 'utf8');
  const line = golden.split('\n').find((l) => l.startsWith('-A KUBE-SEP-'))!;
  const json = (stdout: string) => JSON.parse(stdout) as Json;

  it('an iptables-save dump piped in is recognised as one: manifests - and - manifests agree with it', async () => {
    for (const args of [[demo, '-'], ['-', demo]]) {
      const run = await runCli(['diff', ...args, '--output', 'json'], { stdin: golden });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(json(run.stdout)).toMatchObject({ equal: true, changes: [] });
    }
  });

  it('a dump piped in with one rule removed: exactly that rule is reported, with --new-format rules too', async () => {
    for (const extra of [[], ['--new-format', 'rules']]) {
      const run = await runCli(['diff', demo, '-', '--output', 'json', ...extra], { stdin: golden.replace(`${line}\n`, '') });
      expect(run.code).toBe(1);
      expect(json(run.stdout).changes).toEqual([expect.objectContaining({ type: 'rule-removed', chain: line.split(' ')[1], rule: line })]);
    }
  });

  it('two dumps, one piped in', async () => {
    writeFileSync(join(tmp, 'stdin-old.txt'), golden);
    const run = await runCli(['diff', join(tmp, 'stdin-old.txt'), '-', '--output', 'json'], { stdin: golden.replace(`${line}\n`, '') });
    expect(run.code).toBe(1);
    expect(json(run.stdout).summary).toEqual({ chainsAdded: 0, chainsRemoved: 0, rulesAdded: 0, rulesRemoved: 1 });
  });

  it('manifests piped in still read as manifests', async () => {
    const dir = join(tmp, 'stdin-manifests');
    cpSync(join(demo, 'shop.yaml'), join(dir, 'shop.yaml'), { recursive: true });
    const run = await runCli(['diff', '-', dir, '--output', 'json'], { stdin: readFileSync(join(demo, 'shop.yaml'), 'utf8') });
    expect(run.code).toBe(0);
    expect(json(run.stdout).equal).toBe(true);
    // And they are compiled: against the demo's full view, the rest of the demo is missing.
    const other = await runCli(['diff', '-', join(demo, 'expected', 'save.txt'), '--output', 'json'], { stdin: readFileSync(join(demo, 'shop.yaml'), 'utf8') });
    expect(other.code).toBe(1);
  });

  it('a piped dump with a bad line: exit 2, nothing on stdout, the line named as <stdin>:LINE', async () => {
    const run = await runCli(['diff', demo, '-'], { stdin: golden.replace(line, `${line} --comment "open`) });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const at = golden.split('\n').indexOf(line) + 1;
    expect(run.stderr).toMatch(new RegExp(`^<stdin>:${at}: error `, 'm'));
  });
});

describe('kproxy-compile diff MANIFESTS NODE-DUMP on a node that also runs other software', () => {
  const demo = join(FIXTURES_DIR, 'demo');
  const golden = readFileSync(join(demo, 'expected', 'save.txt'), 'utf8');
  /** Inserts `lines` after the first line of `text` that starts with `after`. */
  const insert = (text: string, after: string, lines: string[]) => {
    const all = text.split('\n');
    const at = all.findIndex((l) => l.startsWith(after));
    expect(at).toBeGreaterThanOrEqual(0);
    all.splice(at + 1, 0, ...lines);
    return all.join('\n');
  };
  // Rules of the kinds a Docker, Calico or firewalld host carries, which kube-proxy's chains never hold.
  const foreignChains = [':DOCKER-USER - [0:0]', ':cali-FORWARD - [0:0]'];
  const foreignRules = [
    '-A DOCKER-USER -o eth0 -j RETURN',
    '-A DOCKER-USER -p icmp -m icmp --icmp-type 8 -m limit --limit 5/min -j LOG --log-prefix "ping: "',
    '-A cali-FORWARD -p tcp -m multiport --dports 179,443 -m state --state NEW -j ACCEPT',
    '-A cali-FORWARD -m physdev --physdev-out veth0 -g DOCKER-USER',
    '-A cali-FORWARD -j MARK --set-xmark 0x0/0xe0000',
  ];
  const node = (() => {
    let t = insert(golden, ':KUBE-SERVICES - [0:0]', foreignChains);
    t = insert(t, '-A INPUT -j KUBE-FIREWALL', foreignRules);
    // Another program's jumps in the built-in chains, before and after kube-proxy's.
    t = insert(t, ':cali-FORWARD', ['-A FORWARD -j DOCKER-USER']);
    t = insert(t, '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals"', ['-A FORWARD -o docker0 -j cali-FORWARD']);
    t = insert(t, ':KUBE-PROXY-CANARY - [0:0]', ['-A POSTROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu']);
    t = insert(t, ':KUBE-EXT-A6SREEBWZENCCCIF - [0:0]', [':DOCKER - [0:0]']);
    t = insert(t, '-A POSTROUTING -m comment --comment "kubernetes postrouting rules"', ['-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER']);
    return `*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -p udp -m udp --dport 4789 -j CT --notrack\nCOMMIT\n${t}`;
  })();
  const file = join(tmp, 'busy-node.txt');
  writeFileSync(file, node);

  it('reports no differences, and reads none of the other rules as an error', async () => {
    const { code, json } = await jsonDiff(demo, file);
    expect(json.changes).toEqual([]);
    expect(code).toBe(0);
  });

  it('with --all-chains, reports exactly the other software\'s chains and rules', async () => {
    const { code, json } = await jsonDiff(demo, file, ['--all-chains']);
    expect(code).toBe(1);
    const said = json.changes.map((c) => ('rule' in c ? `${c.type} ${c.table} ${c.rule}` : `${c.type} ${c.table} ${c.chain} ${c.rules!.join(' | ')}`));
    expect(said.sort()).toEqual([
      `chain-added filter DOCKER-USER ${foreignRules.slice(0, 2).join(' | ')}`,
      `chain-added filter cali-FORWARD ${foreignRules.slice(2).join(' | ')}`,
      'chain-added nat DOCKER ',
      'rule-added raw -A PREROUTING -p udp -m udp --dport 4789 -j CT --notrack',
      'rule-added filter -A FORWARD -j DOCKER-USER',
      'rule-added filter -A FORWARD -o docker0 -j cali-FORWARD',
      'rule-added mangle -A POSTROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu',
      'rule-added nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
      'rule-added nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    ].sort());
  });

  it.each([
    ['the kube-proxy jump missing from nat PREROUTING', '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', undefined],
    ['the kubelet jump missing from filter INPUT', '-A INPUT -j KUBE-FIREWALL', undefined],
    ['a jump into kube-proxy\'s chains that kube-proxy does not write', '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD', '-A FORWARD -i eth9 -j KUBE-FORWARD'],
  ])('reports %s', async (_what, line, replacement) => {
    expect(node).toContain(`\n${line}\n`);
    writeFileSync(file + '.edited', node.replace(`\n${line}\n`, replacement ? `\n${replacement}\n` : '\n'));
    const { code, json } = await jsonDiff(demo, file + '.edited');
    expect(code).toBe(1);
    const expected = [expect.objectContaining({ type: 'rule-removed', rule: line })];
    if (replacement) expected.push(expect.objectContaining({ type: 'rule-added', rule: replacement }));
    expect(json.changes).toEqual(expected);
  });

  it.each([
    ['-j REJECT --reject-with icmp-port-unreachable', '-j REJECT --reject-with tcp-reset'],
    ['--mask 255.255.255.255 --rsource -j KUBE-SEP-ENGSELX4FOGUBO5Q', '--mask 255.255.0.0 --rsource -j KUBE-SEP-ENGSELX4FOGUBO5Q'],
    ['--seconds 1800 --reap --name KUBE-SEP-ENGSELX4FOGUBO5Q', '--seconds 1800 --name KUBE-SEP-ENGSELX4FOGUBO5Q'],
    ['-A KUBE-POSTROUTING -m mark ! --mark', '-A KUBE-POSTROUTING -m connmark ! --mark'],
    ['-A KUBE-MARK-MASQ -j MARK', '-A KUBE-MARK-MASQ -j CONNMARK'],
    ['-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT"', '-A KUBE-POSTROUTING -m commentx --comment "kubernetes service traffic requiring SNAT"'],
  ])('a kube-proxy rule whose %j reads %j on the node is reported as changed', async (was, now) => {
    const line = node.split('\n').find((l) => l.includes(was))!;
    expect(line).toBeDefined();
    const edited = line.replace(was, now);
    writeFileSync(file + '.value', node.replace(`\n${line}\n`, `\n${edited}\n`));
    const { code, json } = await jsonDiff(demo, file + '.value');
    expect(code).toBe(1);
    expect(json.changes).toEqual([
      expect.objectContaining({ type: 'rule-removed', chain: line.split(' ')[1], rule: line }),
      expect.objectContaining({ type: 'rule-added', chain: line.split(' ')[1], rule: edited }),
    ]);
  });
});

describe('kproxy-compile diff with a dump that is not only a dump', () => {
  const demo = join(FIXTURES_DIR, 'demo');
  const golden = readFileSync(join(demo, 'expected', 'save.txt'), 'utf8');

  it('a stray line ahead of the first table: read as a dump, the line named, exit 2', async () => {
    const file = join(tmp, 'stray.txt');
    writeFileSync(file, `sudo: unable to resolve host node-1: Name or service not known\n${golden}`);
    const run = await runCli(['diff', demo, file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`${file}:1: error KPC050: expected a table line such as *nat, found "sudo: unable to resolve host node-1: Name or service not kno"`]);
  });

  /** What a tableless input that lists policies or chains as `iptables -S` does is told. */
  const LISTING = ' (it reads as `iptables -S` output, which lists one table without naming it: give `iptables-save` output instead)';
  it.each([
    ['`iptables -S` output', '-P PREROUTING ACCEPT\n-N KUBE-SERVICES\n-A KUBE-SERVICES -j RETURN\n', '"-P PREROUTING ACCEPT" (and 2 more lines up to line 3 outside any table)', LISTING],
    ['`iptables -S KUBE-SERVICES` output', '-N KUBE-SERVICES\n-A KUBE-SERVICES -j RETURN\n', '"-N KUBE-SERVICES" (and 1 more line up to line 2 outside any table)', LISTING],
    ['a dump without its first line', ':KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n', '":KUBE-SERVICES - [0:0]" (and 2 more lines up to line 3 outside any table)', ''],
    ['a single rule', '-A KUBE-SERVICES -j RETURN\n', '"-A KUBE-SERVICES -j RETURN"', ''],
  ])('rules without a *table line (%s) are read as rules: the missing table named, exit 2', async (_, text, found, hint) => {
    const run = await runCli(['diff', demo, '-'], { stdin: text });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`<stdin>:1: error KPC050: expected a table line such as *nat, found ${found}; the input has no *table line, so it is not an iptables-save dump or restore payload${hint}`]);
  });

  it('manifests read as rules (--new-format rules): one error, saying there is no table at all', async () => {
    const shop = join(demo, 'shop.yaml');
    const run = await runCli(['diff', demo, shop, '--new-format', 'rules']);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const total = readFileSync(shop, 'utf8').trimEnd().split('\n').length;
    expect(lines[0]).toMatch(new RegExp(`^${shop.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: error KPC050: expected a table line such as \\*nat, found "[^"]+" \\(and \\d+ more lines up to line ${total} outside any table\\); the input has no \\*table line`));
  });

  it('a YAML manifest holding a dump in a block scalar is still read as manifests', async () => {
    const dir = mkdtempSync(join(tmp, 'configmap-with-dump-'));
    const indented = golden.split('\n').map((l) => `    ${l}`).join('\n');
    writeFileSync(join(dir, 'a-saved.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: saved\n  namespace: kube-system\ndata:\n  rules: |\n${indented}\n`);
    const run = await runCli(['diff', join(demo, 'shop.yaml'), join(dir, 'a-saved.yaml'), '--output', 'json']);
    expect(run.stderr).not.toMatch(/error/);
    // Read as manifests: a ConfigMap and no Service, so the shop's rules are all removed.
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).summary.chainsRemoved).toBeGreaterThan(0);
  });
});

describe('kproxy-compile diff MANIFESTS MANIFESTS without a node name', () => {
  it('warns once that no endpoint is local, not once per side', async () => {
    const shop = join(FIXTURES_DIR, 'demo', 'shop.yaml');
    const run = await runCli(['diff', shop, shop]);
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual(['<settings>: warning KPC032: no node name is set (--hostname-override, or a single Node object in the input): no endpoint counts as local to this node']);
  });
});

describe('kproxy-compile diff with a dump of the other IP family', () => {
  const v6 = join(FIXTURES_DIR, 'ipv6');
  const v6dump = join(v6, 'expected', 'save.txt');
  const v4dump = join(FIXTURES_DIR, 'demo', 'expected', 'save.txt');
  it.each([
    [[v6, v6dump], /expected\/save\.txt: warning KPC053: holds IPv6 rules \(ip6tables-save output\?\) but is compared as IPv4: pass --family ipv6/],
    [[v4dump, v6dump], /ipv6\/expected\/save\.txt: warning KPC053: holds IPv6 rules/],
    [[join(FIXTURES_DIR, 'demo'), v4dump, '--family', 'ipv6'], /demo\/expected\/save\.txt: warning KPC053: holds IPv4 rules \(iptables-save output\?\) but is compared as IPv6: pass --family ipv4/],
  ])('diff %j says which flag is missing', async (args, message) => {
    const run = await runCli(['diff', ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  it('says nothing of the family when it matches', async () => {
    const run = await runCli(['diff', join(FIXTURES_DIR, 'demo'), v4dump]);
    expect(run.stderr).not.toMatch(/KPC053/);
  });
});

describe('kproxy-compile diff MANIFESTS PAYLOAD (a restore payload shows no built-in chains)', () => {
  const fixtures = listFixtures().filter((x) => x.backend === 'iptables' && existsSync(join(x.dir, 'expected', 'restore.txt')));

  it('every fixture against its own restore golden: no differences (the base jumps are not in a payload to compare)', async () => {
    expect(fixtures.length).toBeGreaterThan(10);
    for (const f of fixtures) {
      const run = await runCli(['diff', f.dir, join(f.dir, 'expected', 'restore.txt'), ...f.args, '--output', 'json']);
      expect(run.code, `${f.name}: ${run.stderr}`).toBe(0);
      expect(JSON.parse(run.stdout).changes, f.name).toEqual([]);
    }
  });

  it('a payload still differs where its kube-proxy chains do, and a save dump still has its base jumps compared', async () => {
    const demo = join(FIXTURES_DIR, 'demo');
    const args = listFixtures().find((x) => x.name === 'demo')!.args;
    const golden = readFileSync(join(demo, 'expected', 'restore.txt'), 'utf8');
    const sep = golden.split('\n').find((l) => l.startsWith('-A KUBE-SEP-') && l.includes('DNAT'))!;
    const edited = join(tmp, 'demo-payload-edited.txt');
    writeFileSync(edited, golden.replace(`${sep}\n`, ''));
    const run = await runCli(['diff', demo, edited, ...args, '--output', 'json']);
    expect(run.code).toBe(1);
    // Changes are spelled as iptables-save prints the rule: the save golden's line for that DNAT.
    const save = readFileSync(join(demo, 'expected', 'save.txt'), 'utf8');
    const chain = sep.split(' ')[1];
    const saved = save.split('\n').filter((l) => l.startsWith(`-A ${chain} `) && l.includes('DNAT'));
    expect(saved).toHaveLength(1);
    expect(JSON.parse(run.stdout).changes.map((c: { type: string; rule: string }) => `${c.type} ${c.rule}`)).toEqual([`rule-removed ${saved[0]}`]);
    const jump = '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES';
    expect(save).toContain(`${jump}\n`);
    const cut = join(tmp, 'demo-save-no-jump.txt');
    writeFileSync(cut, save.replace(`${jump}\n`, ''));
    const run2 = await runCli(['diff', demo, cut, ...args, '--output', 'json']);
    expect(run2.code).toBe(1);
    expect(JSON.parse(run2.stdout).changes.map((c: { type: string; rule: string }) => `${c.type} ${c.rule}`)).toEqual([`rule-removed ${jump}`]);
  });
});
