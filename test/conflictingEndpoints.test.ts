import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli.js';

// The same ip:port in two EndpointSlices of one Service. kube-proxy walks a Service's slices in
// Go map order; when the copies it could keep differ, its rules are not defined and a warning
// (KPC036) says so. Copies whose outcome is fixed (one running, one terminating) say nothing.

const dir = mkdtempSync(join(tmpdir(), 'kpc-conflict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ep {
  readonly ip: string;
  readonly conditions?: Record<string, boolean>;
  readonly nodeName?: string;
}
const service = (ports = [{ name: 'http', port: 80, protocol: 'TCP' }]) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: 'web' }, spec: { clusterIP: '10.96.0.50', ports },
});
const slice = (name: string, eps: readonly Ep[], ports = [{ name: 'http', port: 8080, protocol: 'TCP' }]) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { namespace: 'shop', name, labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: eps.map((e) => ({ addresses: [e.ip], ...(e.conditions ? { conditions: e.conditions } : {}), ...(e.nodeName ? { nodeName: e.nodeName } : {}) })),
  ports,
});
const asYaml = (objects: readonly unknown[]) => objects.map((o) => JSON.stringify(o, null, 2)).join('\n---\n');
const asList = (objects: readonly unknown[]) => `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;

/** The 1-based line of the `n`-th endpoint of slice `name` in text laid out by JSON.stringify(…, null, 2). */
function endpointLine(text: string, name: string, n: number): number {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes(`"name": "${name}"`));
  let line = lines.findIndex((l, i) => i > at && l.includes('"endpoints": ['));
  // Each endpoint object opens with a line holding only `{`.
  for (let seen = -1; seen < n; ) if (lines[++line].trim() === '{') seen++;
  return line + 1;
}

async function compile(name: string, text: string, file = 'in.yaml') {
  const caseDir = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(caseDir, file), text);
  return runCli([file, '--hostname-override', 'node-1', '--node-ip', '10.0.0.11'], { cwd: caseDir });
}

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.includes('KPC036'));

describe('an endpoint in two slices of a Service with different copies (KPC036)', () => {
  // 10.244.1.7 is ready in web-a and not ready in web-b; neither is terminating, so kube-proxy
  // keeps whichever slice it reads last. In name order that is web-b: the not-ready copy.
  const objects = [
    service(),
    slice('web-b', [{ ip: '10.244.1.7', conditions: { ready: false } }]),
    slice('web-a', [{ ip: '10.244.1.9' }, { ip: '10.244.1.7', conditions: { ready: true } }]),
  ];

  for (const [layout, file, text] of [['YAML', 'in.yaml', asYaml(objects)], ['a JSON List', 'in.json', asList(objects)]] as const) {
    it(`warns once, at the kept copy's line, and compiles with that copy (${layout})`, async () => {
      const run = await compile('ready', text, file);
      expect(run.code).toBe(0);
      expect(warnings(run.stderr)).toEqual([
        `${file}:${endpointLine(text, 'web-b', 0)}: warning KPC036: EndpointSlice shop/web-b: endpoints[0]: 10.244.1.7:8080 is also in EndpointSlice shop/web-a of the same Service, as a different copy (there ready=true, here ready=false); kube-proxy reads a Service's slices in no fixed order and may keep either copy, so nodes can disagree; the rules here use this slice's copy`,
      ]);
      // The not-ready copy was kept: 10.244.1.7 gets no SEP chain, 10.244.1.9 takes all traffic.
      expect(run.stdout).not.toContain('10.244.1.7');
      expect(run.stdout).toMatch(/-A KUBE-SEP-\w+ -p tcp -m comment --comment "shop\/web:http" -m tcp -j DNAT --to-destination 10\.244\.1\.9:8080/);
    });
  }

  it('names the first clash and counts the rest, one warning per pair of slices', async () => {
    const run = await compile('many', asYaml([
      service(),
      slice('web-a', [{ ip: '10.244.1.7' }, { ip: '10.244.1.8', nodeName: 'node-1' }, { ip: '10.244.1.9', conditions: { serving: false, ready: false } }]),
      slice('web-b', [{ ip: '10.244.1.7', conditions: { ready: false } }, { ip: '10.244.1.8', nodeName: 'node-2' }, { ip: '10.244.1.9' }]),
    ]));
    expect(run.code).toBe(0);
    const lines = warnings(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('EndpointSlice shop/web-b: endpoints[0]: 10.244.1.7:8080 (there ready=true, here ready=false) and 2 more endpoints are also in EndpointSlice shop/web-a of the same Service, as different copies;');
    expect(lines[0]).toMatch(/the rules here use this slice's copies$/);
  });

  it('with every copy terminating, the first slice\'s copy is the one kept and the warning sits there', async () => {
    const run = await compile('terminating', asYaml([
      service(),
      slice('web-a', [{ ip: '10.244.1.7', conditions: { ready: false, serving: true, terminating: true } }]),
      slice('web-b', [{ ip: '10.244.1.7', conditions: { ready: false, serving: false, terminating: true } }]),
    ]));
    expect(warnings(run.stderr)).toHaveLength(1);
    expect(warnings(run.stderr)[0]).toContain('EndpointSlice shop/web-a: endpoints[0]: 10.244.1.7:8080 is also in EndpointSlice shop/web-b of the same Service, as a different copy (there serving=false, here serving=true)');
    // The serving terminating copy was kept: it is the fallback endpoint of the service.
    expect(run.stdout).toContain('--to-destination 10.244.1.7:8080');
  });

  it('one endpoint on 53/TCP and 53/UDP is named once', async () => {
    const dns = [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }];
    const slicePorts = [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }];
    const run = await compile('dns', asYaml([
      service(dns),
      slice('web-a', [{ ip: '10.244.1.7', conditions: { ready: true } }], slicePorts),
      slice('web-b', [{ ip: '10.244.1.7', conditions: { ready: false } }], slicePorts),
    ]));
    expect(warnings(run.stderr)).toHaveLength(1);
    expect(warnings(run.stderr)[0]).toContain('10.244.1.7:53 is also in EndpointSlice shop/web-a');
  });

  const quiet: readonly [string, readonly unknown[]][] = [
    ['identical copies', [service(), slice('web-a', [{ ip: '10.244.1.7', nodeName: 'node-1' }]), slice('web-b', [{ ip: '10.244.1.7', nodeName: 'node-1' }])]],
    ['a running and a terminating copy (the running one wins in any order)', [service(), slice('web-a', [{ ip: '10.244.1.7', conditions: { ready: false, serving: false, terminating: true } }]), slice('web-b', [{ ip: '10.244.1.7' }])]],
    ['the same address on two port numbers', [service(), slice('web-a', [{ ip: '10.244.1.7' }]), slice('web-b', [{ ip: '10.244.1.7', conditions: { ready: false } }], [{ name: 'http', port: 8081, protocol: 'TCP' }])]],
    ['different copies inside one slice (read in order: the later wins)', [service(), slice('web-a', [{ ip: '10.244.1.7', conditions: { ready: false } }, { ip: '10.244.1.7' }])]],
  ];
  for (const [name, objects] of quiet) {
    it(`says nothing for ${name}`, async () => {
      const run = await compile('quiet', asYaml(objects));
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain('KPC036');
      expect(run.stdout).toContain('10.244.1.7');
    });
  }

  it('says nothing for the duplicate-endpoints fixture, whose result does not depend on slice order', async () => {
    const run = await runCli(['fixtures/duplicate-endpoints', '--hostname-override', 'node-a']);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('KPC036');
  });
});
