import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSource } from '../src/input/readInputs.js';
import type { RawObject } from '../src/input/rawObject.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { startDiscoveryServer } from './helpers/discoveryServer.js';
import { runCli } from './helpers/runCli.js';

/*
 * Manifests are read as kubectl reads them: the real kubectl (client-side dry run against a
 * discovery-only server, so it parses and prints each object itself) is the reference for what a
 * YAML text means, scalar by scalar.
 */

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'kpc-kubectl-'));
let server: Awaited<ReturnType<typeof startDiscoveryServer>>;
const kubeconfig = join(dir, 'kubeconfig');

beforeAll(async () => {
  if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 30_000 }).status !== 0) {
    throw new Error('kubectl is not installed (CI installs Debian\'s kubernetes-client)');
  }
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  server = await startDiscoveryServer();
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What kubectl makes of a manifest file: its objects as JSON (it prints one after another). */
async function kubectlJson(file: string): Promise<Record<string, unknown>[]> {
  const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, '--server', server.url, 'create', '-f', file, '--dry-run=client', '-o', 'json', '--validate=false'], { timeout: 30_000, encoding: 'utf8' });
  return stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text) as Record<string, unknown>);
}

/** What kproxy-compile's reader makes of the same file. */
function ours(file: string): { values: unknown[]; diagnostics: Diagnostic[] } {
  const objects: RawObject[] = [];
  const diagnostics: Diagnostic[] = [];
  decodeSource(file, readFileSync(file), objects, diagnostics);
  return { values: objects.map((o) => o.value), diagnostics };
}

// Plain scalars whose meaning differs between YAML 1.1 (go-yaml v2, kubectl) and YAML 1.2, or that
// look like numbers, dates or booleans without being them.
const SCALARS = [
  'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'y', 'Y', 'n', 'N', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'tRue', 'nO',
  '0120', '08', '09', '0', '00', '-0', '+12', '0o17', '0O17', '0x1F', '0X1f', '0b101', '-0b101', '0B11', '1_000', '0x_1F', '1__0', '12_', '_12', '-_1',
  '1e3', '1E3', '1.5e-3', '.5', '1.', '-.5', '+.5', '0.', '1_000.5', '0120.5', '1e', 'e3', '.', '+', '1.2.3', '0x', '0b2', '0o8',
  '~', 'null', 'Null', 'NULL', 'nULL', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10', '2002-1-2', '1:20', '190:20:30',
  '123456789012345678', '9007199254740993', '0xFFFFFFFFFFFFFFFF', '-9223372036854775808', '18446744073709551616', '10.0.0.1', '1.0', '0.5.1',
];

describe('YAML read as kubectl reads it (the real kubectl as the reference)', () => {
  it(`${SCALARS.length} plain scalars as values and as keys: the same values and keys as kubectl's JSON`, async () => {
    const file = join(dir, 'scalars.yaml');
    const values = SCALARS.map((s, i) => `  v${i}: ${s}`).join('\n');
    // As keys: all but null (no key) and integers past 2^53 (kubectl refuses those past int64 and
    // spells the others exactly, where a JavaScript number rounds; no manifest has such keys).
    // Each in a mapping of its own: several spellings read as one key (`yes`, `on`: "true").
    const huge = ['123456789012345678', '9007199254740993', '0xFFFFFFFFFFFFFFFF', '-9223372036854775808', '18446744073709551616'];
    const keys = SCALARS.filter((s) => !['~', 'null', 'Null', 'NULL', ...huge].includes(s)).map((s, i) => `- ${s}: k${i}`).join('\n');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: scalars\n  namespace: t\nvalues:\n${values}\nkeys:\n${keys}\n`);
    const [reference] = await kubectlJson(file);
    const mine = ours(file);
    expect(mine.diagnostics).toEqual([]);
    // Spot checks that the comparison is about something: the YAML 1.1 readings.
    const v = reference.values as Record<string, unknown>;
    expect([v[`v${SCALARS.indexOf('yes')}`], v[`v${SCALARS.indexOf('off')}`], v[`v${SCALARS.indexOf('0120')}`], v[`v${SCALARS.indexOf('2001-12-14')}`]]).toEqual([true, false, 80, '2001-12-14']);
    expect(mine.values).toEqual([reference]);
  });

  it('anchors, aliases, merge keys, quoting and block scalars: the same objects as kubectl', async () => {
    const file = join(dir, 'structure.yaml');
    writeFileSync(file, [
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: structure', '  namespace: t', '  labels: &labels', '    app: web', '    tier: "1"',
      'base: &base {port: 0120, ready: yes}', 'merged:', '  <<: *base', '  ready: no', 'many:', '  <<: [*base, {extra: on}]',
      'again: *labels', 'quoted: ["yes", \'0120\', "2001-12-14", !!str 12]', 'block: |', '  line one', '  line two', 'folded: >-', '  a', '  b', 'empty:', 'tilde: ~',
    ].join('\n'));
    const [reference] = await kubectlJson(file);
    expect(reference.merged).toEqual({ port: 80, ready: false });
    expect(ours(file)).toEqual({ values: [reference], diagnostics: [] });
  });

  it('a key written twice in a mapping: the last value, as kubectl keeps it, with a warning naming each repetition', async () => {
    const file = join(dir, 'repeated.yaml');
    writeFileSync(file, [
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: first', '  namespace: t', '  name: second',
      'data: {a: "1", b: "2", a: "3"}', 'nested:', '  x: {deep: 1}', '  "x": {other: 2}', 'list:', '- k: 1', '  k: 2',
    ].join('\n'));
    const [reference] = await kubectlJson(file);
    expect((reference.metadata as Record<string, unknown>).name).toBe('second');
    const mine = ours(file);
    expect(mine.values).toEqual([reference]);
    expect(mine.diagnostics.map((d) => `${d.line}: ${d.severity} ${d.code}: ${d.message}`)).toEqual([
      // The repetitions: metadata.name (line 6), data.a in a flow mapping (7), nested.x quoted (10), k in a list item (13).
      '6: warning KPC007: key "name" appears a second time in its mapping: the last value is used, as kubectl reads it',
      '7: warning KPC007: key "a" appears a second time in its mapping: the last value is used, as kubectl reads it',
      '10: warning KPC007: key "x" appears a second time in its mapping: the last value is used, as kubectl reads it',
      '13: warning KPC007: key "k" appears a second time in its mapping: the last value is used, as kubectl reads it',
    ]);
  });

  it('a key written twice in a JSON object, one spelt with an escape: the last value, as kubectl keeps it, with a warning for each', async () => {
    const file = join(dir, 'repeated.json');
    writeFileSync(file, [
      '{"apiVersion": "v1", "kind": "ConfigMap",', ' "metadata": {"name": "first", "namespace": "t",', '  "name": "second"},',
      ' "data": {"a": "1", "b": "2",', '  "\\u0061": "3"}}',
    ].join('\n'));
    const [reference] = await kubectlJson(file);
    expect((reference.metadata as Record<string, unknown>).name).toBe('second');
    expect(reference.data).toEqual({ a: '3', b: '2' });
    const mine = ours(file);
    expect(mine.values).toEqual([reference]);
    expect(mine.diagnostics.map((d) => `${d.line}: ${d.severity} ${d.code}: ${d.message}`)).toEqual([
      '3: warning KPC007: key "name" appears a second time in its object: the last value is used, as kubectl reads it',
      '5: warning KPC007: key "a" appears a second time in its object: the last value is used, as kubectl reads it',
    ]);
  });

  it('an EndpointSlice written the YAML 1.1 way compiles to the same rules as kubectl\'s JSON of it', async () => {
    const file = join(dir, 'yaml11.yaml');
    writeFileSync(file, [
      'apiVersion: v1', 'kind: Service', 'metadata: {name: web, namespace: shop}', 'spec:', '  clusterIP: 10.96.0.10', '  ports: [{name: http, port: 0120, targetPort: 8080}]', '---',
      'apiVersion: discovery.k8s.io/v1', 'kind: EndpointSlice', 'metadata: {name: web-a, namespace: shop, labels: {kubernetes.io/service-name: web}}', 'addressType: IPv4', 'endpoints:',
      '- addresses: [10.0.0.1]', '  conditions: {ready: yes, serving: on, terminating: off}', '  nodeName: 2001-01-01',
      '- addresses: [10.0.0.2]', '  conditions: {ready: no, serving: yes, terminating: y}', '  nodeName: node-a',
      'ports: [{name: http, port: 8080}]',
    ].join('\n'));
    const json = join(dir, 'yaml11.json');
    const objects = await kubectlJson(file);
    expect(objects.map((o) => o.kind)).toEqual(['Service', 'EndpointSlice']);
    writeFileSync(json, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    const args = ['--hostname-override', '2001-01-01', '--format', 'restore'];
    const fromYaml = await runCli([file, ...args]);
    const fromJson = await runCli([json, ...args]);
    expect(fromYaml.stderr).toBe('');
    expect(fromYaml.code).toBe(0);
    expect(fromJson.code).toBe(0);
    // Port 0120 is 80; the first endpoint is ready and on this node; the second terminates, serving.
    expect(fromYaml.stdout).toContain('-A KUBE-SERVICES -m comment --comment "shop/web:http cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j KUBE-SVC-');
    expect(fromYaml.stdout).toContain('--to-destination 10.0.0.1:8080');
    expect(fromYaml.stdout).not.toContain('10.0.0.2:8080');
    expect(fromYaml.stdout).toBe(fromJson.stdout);
  });
});

describe('text that is nearly JSON (a trailing comma, flow YAML): kubectl reads it as YAML whatever its name, and so does kproxy-compile', () => {
  const texts = {
    'a trailing comma': '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"clusterIP": "10.96.0.10", "ports": [{"port": 80},]},}',
    'flow YAML': '{apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}, spec: {clusterIP: 10.96.0.10, ports: [{port: 0120}]}}',
  };

  it.each(Object.entries(texts))('%s, as a .json file, a .yaml file and on standard input: the same object as kubectl', async (_what, text) => {
    for (const name of ['nearly.json', 'nearly.yaml']) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const [reference] = await kubectlJson(file);
      expect(reference.kind).toBe('Service');
      expect(ours(file)).toEqual({ values: [reference], diagnostics: [] });
      // Standard input reads as the file does: the same rules.
      const [fromFile, fromStdin] = [await runCli([file, '--hostname-override', 'node-a']), await runCli(['-', '--hostname-override', 'node-a'], { stdin: text })];
      expect(fromStdin.code).toBe(0);
      expect(fromStdin.stdout).toBe(fromFile.stdout);
      expect(fromFile.stdout).toContain('-d 10.96.0.10/32 -p tcp -m comment --comment "shop/web has no endpoints" -m tcp --dport 80 -j REJECT');
    }
  });
});

describe('JSON objects one after another (kubectl reads a text that starts with "{" as a stream of JSON values)', () => {
  const service = (name: string, ip: string, extra = '') => `{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "${name}", "namespace": "shop"}, "spec": {"clusterIP": "${ip}", "ports": [{"port": 80}${extra}]}}`;
  const a = service('a', '10.96.0.1');
  const b = service('b', '10.96.0.2');
  const c = service('c', '10.96.0.3');
  const nearly = service('b', '10.96.0.2', ',');
  const pretty = JSON.stringify(JSON.parse(b), null, 2);
  const list = `{"apiVersion": "v1", "kind": "List", "items": [${b}, ${c}]}`;
  // Expected: the Services kubectl creates, or the line of the one error it stops at.
  const cases: { name: string; text: string; services?: string[]; error?: { code: string; line: number } }[] = [
    { name: 'one per line', text: `${a}\n${b}\n`, services: ['a', 'b'] },
    { name: 'back to back on one line', text: `${a}${b}`, services: ['a', 'b'] },
    { name: 'pretty-printed after a blank line', text: `${a}\n\n${pretty}\n`, services: ['a', 'b'] },
    { name: 'after a byte order mark', text: `\ufeff${a}\n${b}\n`, services: ['a', 'b'] },
    { name: 'a List among them', text: `${a}\n${list}\n`, services: ['a', 'b', 'c'] },
    { name: 'null among them', text: `${a}\nnull\n${b}\n`, services: ['a', 'b'] },
    { name: 'one object, then nearly-JSON text (read on as YAML)', text: `${a}\n${nearly}\n`, services: ['a', 'b'] },
    { name: 'one object, then YAML documents after a separator', text: `${a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: shop}\nspec: {clusterIP: 10.96.0.2, ports: [{port: 80}]}\n`, services: ['a', 'b'] },
    { name: 'two objects, then nearly-JSON text', text: `${a}\n${b}\n${service('c', '10.96.0.3', ',')}\n`, error: { code: 'KPC002', line: 3 } },
    { name: 'two objects, then a YAML separator', text: `${a}\n${b}\n---\n${c}\n`, error: { code: 'KPC002', line: 3 } },
    { name: 'an object, then words', text: `${a}\n\nnot json\n`, error: { code: 'KPC004', line: 3 } },
    { name: 'an object, then a list', text: `${a}\n[1, 2]\n`, error: { code: 'KPC004', line: 2 } },
  ];

  /** What kubectl makes of a file: its exit code and the objects it prints (one after another). */
  async function kubectlStream(file: string): Promise<{ code: number; objects: Record<string, unknown>[] }> {
    const args = ['--kubeconfig', kubeconfig, '--server', server.url, 'create', '-f', file, '--dry-run=client', '-o', 'json', '--validate=false'];
    const r = spawnSync('kubectl', args, { encoding: 'utf8', timeout: 30_000 });
    const text = r.stdout.trim();
    return { code: r.status ?? -1, objects: text ? text.split(/\n(?=\{)/).map((t) => JSON.parse(t) as Record<string, unknown>) : [] };
  }

  it.each(cases)('$name: what kubectl reads', async ({ text, services, error }) => {
    const file = join(dir, 'stream.json');
    writeFileSync(file, text);
    const reference = await kubectlStream(file);
    const mine = ours(file);
    if (services) {
      expect(reference.code).toBe(0);
      expect(reference.objects.map((o) => (o.metadata as Record<string, unknown>).name)).toEqual(services);
      expect(mine.diagnostics).toEqual([]);
      expect(mine.values).toEqual(reference.objects);
    } else {
      expect(reference.code).not.toBe(0);
      expect(mine.diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([['error', error?.code, error?.line]]);
    }
  });

  it('a mistake in a later object is placed on its own line of the file, and the run stops with exit code 2', async () => {
    const bad = JSON.stringify({ ...JSON.parse(b), spec: { clusterIP: '10.96.0.2', ports: [{ port: 70000 }] } }, null, 2);
    const text = `${a}\n${bad}\n`;
    const file = join(dir, 'stream-bad.json');
    writeFileSync(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('70000')) + 1;
    expect(line).toBeGreaterThan(2);
    const r = await runCli([file, '--hostname-override', 'node-a']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${file}:${line}: error KPC015: Service shop/b: spec.ports[0].port: must be between 1 and 65535, found 70000\n`);
  });

  it('after two JSON objects, a YAML separator is named as the likely mistake', () => {
    const file = join(dir, 'stream-separator.json');
    writeFileSync(file, `${a}\n${b}\n---\n${c}\n`);
    expect(ours(file).diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^invalid JSON: .*a YAML document separator after JSON objects/)]);
  });
});

describe('an empty metadata.namespace is the default namespace, as kubectl sends the object', () => {
  const objects = (ns: string) => [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80 }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-a', namespace: ns, labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080 }] },
  ];

  it('in YAML and in a JSON List: kubectl names the default namespace, and the rules are those of namespace "default"', async () => {
    const yamlFile = join(dir, 'empty-ns.yaml');
    writeFileSync(yamlFile, objects('').map((o) => JSON.stringify(o)).join('\n---\n'));
    const reference = await kubectlJson(yamlFile);
    expect(reference.map((o) => (o.metadata as Record<string, unknown>).namespace)).toEqual(['default', 'default']);
    const listFile = join(dir, 'empty-ns.json');
    writeFileSync(listFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects('') }));
    const named = join(dir, 'default-ns.json');
    writeFileSync(named, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects('default') }));
    const args = ['--hostname-override', 'node-a', '--format', 'restore'];
    const [fromYaml, fromList, expected] = [await runCli([yamlFile, ...args]), await runCli([listFile, ...args]), await runCli([named, ...args])];
    expect(expected.code).toBe(0);
    expect(expected.stdout).toContain('--comment "default/web:http cluster IP"');
    expect(expected.stdout).toContain('--to-destination 10.0.0.1:8080');
    for (const r of [fromYaml, fromList]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(expected.stdout);
    }
  });
});
