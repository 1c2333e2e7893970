import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli.js';

// A field the Service or EndpointSlice API does not define (a slip such as `prots`) is ignored
// by the rules, as an object without it would be, and gets one KPC038 warning naming its place,
// whether the input is YAML or a JSON List (whose slices are otherwise read straight from bytes).

const dir = mkdtempSync(join(tmpdir(), 'kpc-unknown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const service = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Service',
  metadata: { namespace: 'shop', name: 'web', uid: 'u-1', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'kubectl' }] },
  spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, appProtocol: 'http' }], ...extra },
  status: { loadBalancer: {}, conditions: [] },
});
const endpoint = (ip: string, extra: Record<string, unknown> = {}) => ({
  addresses: [ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: `p-${ip}` }, nodeName: 'node-1', deprecatedTopology: { a: 'b' }, ...extra,
});
const slice = (eps: readonly unknown[]) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { namespace: 'shop', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4', endpoints: eps, ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }],
});
const asList = (objects: readonly unknown[]) => `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
const asYaml = (objects: readonly unknown[]) => objects.map((o) => JSON.stringify(o, null, 2)).join('\n---\n');

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

async function compile(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return { file, run: await runCli([file, '--hostname-override', 'node-1']) };
}

describe('fields the API does not define (KPC038)', () => {
  const clean = [service(), slice([endpoint('10.0.1.1'), endpoint('10.0.1.2')])];

  for (const [form, write] of [['YAML', asYaml], ['JSON List', asList]] as const) {
    it(`${form}: fields the API defines, read or not, give no warning`, async () => {
      const { run } = await compile(`clean-${form.replace(' ', '')}.txt`, write(clean));
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain('KPC038');
      expect(run.stdout).toContain('KUBE-SEP-');
    });

    it(`${form}: a misspelt Service field is named with its line and what was meant, and the rules are those without it`, async () => {
      const objects = [service({ prots: [{ port: 81 }] }), clean[1]];
      const { file, run } = await compile(`svc-${form.replace(' ', '')}.txt`, write(objects));
      const text = write(objects);
      expect(run.code).toBe(0);
      const warnings = run.stderr.split('\n').filter((l) => l.includes('KPC038'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`${file}:${lineOf(text, '"prots"')}`);
      expect(warnings[0]).toContain('spec.prots');
      expect(warnings[0]).toContain('did you mean ports?');
      const without = await compile(`svc-clean-${form.replace(' ', '')}.txt`, write(clean));
      expect(run.stdout).toBe(without.run.stdout);
    });

    it(`${form}: the same slip in every endpoint of a slice is one warning, at the first, counting the others`, async () => {
      const objects = [service(), slice([endpoint('10.0.1.1', { nodename: 'node-1' }), endpoint('10.0.1.2', { nodename: 'node-1' }), endpoint('10.0.1.3', { nodename: 'node-1' })])];
      const text = write(objects);
      const { file, run } = await compile(`eps-${form.replace(' ', '')}.txt`, text);
      expect(run.code).toBe(0);
      const warnings = run.stderr.split('\n').filter((l) => l.includes('KPC038'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`${file}:${lineOf(text, '"nodename"')}`);
      expect(warnings[0]).toContain('endpoints[0].nodename');
      expect(warnings[0]).toContain('did you mean nodeName?');
      expect(warnings[0]).toContain('in 2 more items of the list');
    });

    it(`${form}: an unknown field in conditions, hints or a slice port is found too`, async () => {
      const objects = [service(), {
        ...slice([endpoint('10.0.1.1', { conditions: { ready: true, redy: false }, hints: { forZones: [{ name: 'a', weight: 1 }] } })]),
        ports: [{ name: 'http', port: 8080, protocol: 'TCP', portocol: 'UDP' }],
      }];
      const { run } = await compile(`deep-${form.replace(' ', '')}.txt`, write(objects));
      expect(run.code).toBe(0);
      const fields = run.stderr.split('\n').filter((l) => l.includes('KPC038')).map((l) => /(\S+): is not a field/.exec(l)?.[1]);
      expect(fields.sort()).toEqual(['endpoints[0].conditions.redy', 'endpoints[0].hints.forZones[0].weight', 'ports[0].portocol']);
    });

    it(`${form}: a field of an older API version is named with what took its place, not as a slip`, async () => {
      const objects = [
        { ...service({ topologyKeys: ['kubernetes.io/hostname', '*'], ipFamily: 'IPv4' }), metadata: { ...service().metadata, clusterName: 'old' } },
        slice([endpoint('10.0.1.1', { topology: { 'kubernetes.io/hostname': 'node-1' } })]),
      ];
      const { run } = await compile(`replaced-${form.replace(' ', '')}.txt`, write(objects));
      expect(run.code).toBe(0);
      const warnings = run.stderr.split('\n').filter((l) => l.includes('KPC038'));
      const hint = (field: string) => warnings.find((w) => w.includes(`: ${field}: is not a field of`))?.replace(/^.*? is not a field of (a|an) \w+ /, '').replace(/: it is ignored here.*$/, '');
      expect(warnings).toHaveLength(4);
      expect(hint('metadata.clusterName')).toBe('(a legacy field the API server always cleared, since removed)');
      expect(hint('spec.topologyKeys')).toBe('(the alpha Service topology field, deprecated in Kubernetes 1.21 and since removed; kube-proxy 1.33 routes by topology hints and spec.trafficDistribution instead)');
      expect(hint('spec.ipFamily')).toBe('(the alpha dual-stack field, replaced by spec.ipFamilies and spec.ipFamilyPolicy)');
      expect(hint('endpoints[0].topology')).toBe("(discovery.k8s.io/v1beta1's; in v1 the node is endpoints[].nodeName and the zone endpoints[].zone)");
      expect(run.stderr).not.toContain('did you mean');
    });
  }
});

describe('fields the Node API does not define (KPC038)', () => {
  // A Node as `kubectl get node -o yaml` prints it (trimmed): every part of spec and status known.
  const node = (status: Record<string, unknown> = {}) => ({
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: 'node-1', uid: 'n-1', labels: { 'kubernetes.io/hostname': 'node-1', 'topology.kubernetes.io/zone': 'z1' }, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], providerID: 'kind://node-1', taints: [{ key: 'k', effect: 'NoSchedule' }] },
    status: {
      addresses: [{ type: 'InternalIP', address: '192.168.0.10' }, { type: 'Hostname', address: 'node-1' }],
      allocatable: { cpu: '2' }, capacity: { cpu: '2' }, conditions: [{ type: 'Ready', status: 'True' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, images: [], nodeInfo: { kubeletVersion: 'v1.33.0' },
      runtimeHandlers: [{ name: 'runc' }], features: { supplementalGroupsPolicy: true },
      ...status,
    },
  });

  for (const [form, write] of [['YAML', asYaml], ['JSON List', asList]] as const) {
    const tag = form.replace(' ', '');
    it(`${form}: a Node as kubectl prints it gives no warning`, async () => {
      const { run } = await compile(`node-clean-${tag}.txt`, write([service({ type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), node()]));
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
    });

    it(`${form}: a misspelt status field is named with what was meant, and the Node is read without it`, async () => {
      const misspelt = node({ adresses: node().status.addresses });
      delete (misspelt.status as Record<string, unknown>).addresses;
      const text = write([service(), misspelt]);
      const { file, run } = await compile(`node-typo-${tag}.txt`, text);
      expect(run.code).toBe(0);
      const warnings = run.stderr.split('\n').filter((l) => l.includes('KPC038'));
      expect(warnings).toEqual([`${file}:${lineOf(text, '"adresses"')}: warning KPC038: Node node-1: status.adresses: is not a field of a Node (did you mean addresses?): it is ignored here, and an API server with strict field validation (kubectl's default) refuses the object`]);
      // The rules are those of the Node without addresses.
      const bare = node();
      delete (bare.status as Record<string, unknown>).addresses;
      const without = await compile(`node-typo-bare-${tag}.txt`, write([service(), bare]));
      expect(without.run.stderr).toBe('');
      expect(run.stdout).toBe(without.run.stdout);
    });

    it(`${form}: a misspelt field of an address is found too`, async () => {
      const { run } = await compile(`node-addr-${tag}.txt`, write([service(), node({ addresses: [{ type: 'InternalIP', adress: '192.168.0.10' }] })]));
      expect(run.code).toBe(0);
      const fields = run.stderr.split('\n').filter((l) => l.includes('KPC038')).map((l) => /(\S+): is not a field/.exec(l)?.[1]);
      expect(fields).toEqual(['status.addresses[0].adress']);
    });
  }
});
