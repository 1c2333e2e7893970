import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// The benchmark's generator: a realistic cluster shape (every Service type, affinity, source ranges).
import { generateCluster } from '../bench/generate.mjs';
import { commonOptions } from '../src/cli/commonOptions.js';
import { compiledState, loadSide, loadSides, type SideRequest } from '../src/cli/loadDiffSide.js';
import { lowerPair } from '../src/diff/lowerPair.js';
import { inputReads } from '../src/cli/inputReads.js';
import { diffAnnotated } from '../src/diff/diffStates.js';
import { stateFromRuleset } from '../src/diff/ruleState.js';
import { runCli } from './helpers/runCli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kpc-share-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FLAGS = ['--hostname-override', 'node-0', '--node-ip', '192.168.0.10', '--cluster-cidr', '10.0.0.0/8'];
const common = commonOptions({ hostnameOverride: 'node-0', nodeIp: ['192.168.0.10'], clusterCidr: '10.0.0.0/8' }).options;
const request = (path: string): SideRequest => ({ path, format: 'auto', common, allChains: false, cwd: tmp });
const noStdin = async () => Buffer.alloc(0);

type Item = Record<string, any>;
const base = (): { apiVersion: string; kind: string; metadata: object; items: Item[] } => generateCluster({ services: 300, endpoints: 4, seed: 3 }).list;

function write(name: string, list: object, indent?: number): string {
  writeFileSync(join(tmp, name), JSON.stringify(list, null, indent));
  return name;
}

/** Kinds of change between two states of one cluster, as JSON Lists. */
const CASES: [string, (items: Item[]) => Item[]][] = [
  ['no change', (items) => items],
  ['every 25th endpoint moved', (items) => {
    let n = 0;
    for (const o of items) if (o.kind === 'EndpointSlice') for (const e of o.endpoints) if (n++ % 25 === 0) e.addresses = [`100.64.0.${n % 250}`];
    return items;
  }],
  ['a Service and its slice deleted', (items) => items.filter((o) => o.metadata.name !== 'svc-7' && o.metadata.labels?.['kubernetes.io/service-name'] !== 'svc-7')],
  ['a Service port renumbered', (items) => {
    items.find((o) => o.kind === 'Service' && o.metadata.name === 'svc-11')!.spec.ports[0].port = 8443;
    return items;
  }],
  // The same endpoint chains by name on both sides, with other rules in them.
  ['session affinity turned on', (items) => {
    const svc = items.find((o) => o.kind === 'Service' && o.spec.type === 'ClusterIP' && o.spec.sessionAffinity !== 'ClientIP')!;
    svc.spec.sessionAffinity = 'ClientIP';
    return items;
  }],
  ['items reordered', (items) => [...items.slice(40), ...items.slice(0, 40).reverse()]],
  // Items spelled differently share nothing (items are matched by their bytes): still the same diff.
  ['the same items, indented differently', (items) => items],
  ['a slice moved to another Service', (items) => {
    const slice = items.find((o) => o.kind === 'EndpointSlice' && o.metadata.labels['kubernetes.io/service-name'] === 'svc-20')!;
    slice.metadata.labels['kubernetes.io/service-name'] = 'svc-21';
    return items;
  }],
];

describe('kproxy-compile diff of two JSON Lists: NEW is read once, OLD only where it differs', () => {
  it.each(CASES)('%s: the same models, diagnostics and diff as reading each side on its own', async (name, change) => {
    const spelled = name.includes('indented');
    const old = write(`old-${name}.json`, base(), 2);
    const next = base();
    const neu = write(`new-${name}.json`, { ...next, items: change(next.items) }, spelled ? 1 : 2);
    const shared = await loadSides(request(old), request(neu), { readStdin: noStdin } as never);
    const alone = [await loadSide(request(old), inputReads({ readStdin: noStdin })), await loadSide(request(neu), inputReads({ readStdin: noStdin }))];
    expect(shared.diagnostics).toEqual([...alone[0].diagnostics, ...alone[1].diagnostics]);
    expect(shared.a!.model).toEqual(alone[0].side!.model);
    expect(shared.b!.model).toEqual(alone[1].side!.model);
    // What did not change is one object on both sides (the point of reading OLD against NEW).
    const newPorts = new Set(shared.b!.model!.servicePorts);
    const same = shared.a!.model!.servicePorts.filter((sp) => newPorts.has(sp)).length;
    if (spelled) expect(same).toBe(0);
    else expect(same).toBeGreaterThan(shared.a!.model!.servicePorts.length * 0.8);

    // And the entry rules of what did not change are one set of objects on both sides: taken
    // over with the service port, or, for a port read again (spelled differently), because they
    // read the same.
    const sharedPair = lowerPair(shared.a!.model!, shared.b!.model!, 'diff');
    const natRules = (rs: typeof sharedPair.oldRules) => rs.payload.find((t) => t.name === 'nat')!.rules.filter((r) => r.chain === 'KUBE-SERVICES');
    const newRules = new Set(natRules(sharedPair.newRules));
    const sameRules = natRules(sharedPair.oldRules).filter((r) => newRules.has(r)).length;
    expect(sameRules).toBeGreaterThan(newRules.size * 0.8);
    // States built with one cache share the chain states of chains made of the same rule objects
    // (KUBE-SERVICES, when only endpoints moved), and the diff is the same either way.
    const cache = { keys: new Map(), built: new Map() };
    const [x, y] = [stateFromRuleset(sharedPair.oldRules, cache), stateFromRuleset(sharedPair.newRules, cache)];
    const entriesShared = x.chains.get('nat/KUBE-SERVICES') === y.chains.get('nat/KUBE-SERVICES');
    expect(entriesShared).toBe(sameRules === newRules.size && natRules(sharedPair.oldRules).length === newRules.size);
    if (name === 'every 25th endpoint moved') expect(entriesShared).toBe(true);
    expect(diffAnnotated(x, y)).toEqual(diffAnnotated(stateFromRuleset(sharedPair.oldRules), stateFromRuleset(sharedPair.newRules)));

    // The diff of the two whole compiled states: no service, chain or rule left out anywhere.
    const expected = diffAnnotated(compiledState(alone[0].side!.model!, false), compiledState(alone[1].side!.model!, false));
    const run = await runCli(['diff', old, neu, ...FLAGS, '--output', 'json'], { cwd: tmp });
    expect(run.code).toBe(expected.changes.length ? 1 : 0);
    expect(JSON.parse(run.stdout).changes).toEqual(JSON.parse(JSON.stringify(expected.changes)));
    const rulesChange = !['no change', 'items reordered', 'the same items, indented differently'].includes(name);
    expect(expected.changes.length > 0).toBe(rulesChange);
  });

  /** OLD and NEW around one changed endpoint, both holding `extra` items and `edit`ed the same way. */
  async function diffWith(name: string, edit: (items: Item[]) => void) {
    const items = base().items;
    edit(items);
    const old = write(`${name}-old.json`, { ...base(), items }, 2);
    const changed = structuredClone(items);
    changed.find((o) => o.kind === 'EndpointSlice')!.endpoints[0].addresses = ['100.64.1.1'];
    const neu = write(`${name}-new.json`, { ...base(), items: changed }, 2);
    const run = await runCli(['diff', old, neu, ...FLAGS, '--output', 'json'], { cwd: tmp });
    expect(run.code).toBe(1);
    return { old, neu, lines: run.stderr.trim().split('\n') };
  }

  it('reports a decoding warning of an unchanged item on both sides, each naming its own file', async () => {
    const { old, neu, lines } = await diffWith('decode-warning', (items) => {
      items.find((o) => o.kind === 'Service' && o.spec.type === 'ClusterIP')!.spec.ports[0].nodePort = 30999;
    });
    expect(lines).toHaveLength(2);
    for (const file of [old, neu]) expect(lines.filter((l) => l.startsWith(`${file}:`) && l.includes('KPC033'))).toHaveLength(1);
  });

  it('reports a model warning of an unchanged item on both sides, each naming its own file', async () => {
    const { old, neu, lines } = await diffWith('model-warning', (items) => {
      const orphan = structuredClone(items.find((o) => o.kind === 'EndpointSlice')!);
      orphan.metadata.name = 'orphan-1';
      orphan.metadata.labels['kubernetes.io/service-name'] = 'no-such-service';
      items.push(orphan);
    });
    expect(lines).toHaveLength(2);
    for (const file of [old, neu]) expect(lines.filter((l) => l.startsWith(file) && l.includes('KPC030') && l.includes('orphan-1'))).toHaveLength(1);
  });
});
