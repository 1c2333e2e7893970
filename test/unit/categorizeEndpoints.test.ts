import { describe, expect, it } from 'vitest';
import { categorizeEndpoints } from '../../src/model/categorizeEndpoints.js';
import type { Endpoint } from '../../src/model/types.js';

/*
 * Endpoint choice with topology hints, as kube-proxy 1.33 makes it: node hints (read only under
 * PreferSameTrafficDistribution, which the caller expresses as an empty node name) win when every
 * ready endpoint has one and one names this node; else zone hints, on the same terms; else none.
 */

function ep(ip: string, opts: Partial<Endpoint> = {}): Endpoint {
  return { ip, port: 80, hostPort: `${ip}:80`, ready: true, serving: true, terminating: false, local: false, zoneHints: [], nodeHints: [], ...opts };
}
const ips = (list: readonly Endpoint[]) => list.map((e) => e.ip);
const at = { zone: 'zone-a', node: 'node-a' };
const gateOff = { zone: 'zone-a', node: '' };

describe('categorizeEndpoints with topology hints', () => {
  const hinted = [
    ep('10.0.0.1', { nodeHints: ['node-a'], zoneHints: ['zone-a'], local: true }),
    ep('10.0.0.2', { nodeHints: ['node-b'], zoneHints: ['zone-a'] }),
    ep('10.0.0.3', { nodeHints: ['node-c'], zoneHints: ['zone-b'] }),
  ];

  it('node hints naming this node narrow the cluster endpoints to it', () => {
    const c = categorizeEndpoints(hinted, true, false, at);
    expect(ips(c.clusterEndpoints)).toEqual(['10.0.0.1']);
    expect(ips(c.reachableEndpoints)).toEqual(['10.0.0.1']);
    expect(c.hasEndpoints).toBe(true);
  });

  it('without the gate the same endpoints are narrowed by zone only', () => {
    expect(ips(categorizeEndpoints(hinted, true, false, gateOff).clusterEndpoints)).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('a node without a zone label matches a zone hint "" (kube-proxy 1.33 has no early exit for it); without such a hint, no topology', () => {
    const empty = [ep('10.0.0.1', { zoneHints: [''] }), ep('10.0.0.2', { zoneHints: ['zone-b'] })];
    expect(ips(categorizeEndpoints(empty, true, false, { zone: '', node: '' }).clusterEndpoints)).toEqual(['10.0.0.1']);
    const named = [ep('10.0.0.1', { zoneHints: ['zone-a'] }), ep('10.0.0.2', { zoneHints: ['zone-b'] })];
    expect(ips(categorizeEndpoints(named, true, false, { zone: '', node: '' }).clusterEndpoints)).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('node hints that name only other nodes fall back to zone hints', () => {
    const others = hinted.map((e, i) => ({ ...e, nodeHints: [`node-${'xyz'[i]}`] }));
    expect(ips(categorizeEndpoints(others, true, false, at).clusterEndpoints)).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('one ready endpoint without a node hint turns node hints off; zone hints still apply', () => {
    const missing = [hinted[0], { ...hinted[1], nodeHints: [] }, hinted[2]];
    expect(ips(categorizeEndpoints(missing, true, false, at).clusterEndpoints)).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('an endpoint that is not ready does not count: its missing hints do not turn topology off', () => {
    const withTerminating = [...hinted, ep('10.0.0.4', { ready: false, serving: true, terminating: true })];
    expect(ips(categorizeEndpoints(withTerminating, true, false, at).clusterEndpoints)).toEqual(['10.0.0.1']);
  });

  it('with neither kind of hint complete, every ready endpoint is used', () => {
    const none = [hinted[0], ep('10.0.0.2'), hinted[2]];
    expect(ips(categorizeEndpoints(none, true, false, at).clusterEndpoints)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('Local policy ignores hints, and the reachable endpoints are the union when topology narrows Cluster', () => {
    const local = [
      ep('10.0.0.1', { nodeHints: ['node-b'], zoneHints: ['zone-a'] }),
      ep('10.0.0.2', { nodeHints: ['node-a'], zoneHints: ['zone-a'] }),
      ep('10.0.0.3', { nodeHints: ['node-c'], zoneHints: ['zone-b'], local: true }),
    ];
    const c = categorizeEndpoints(local, true, true, at);
    expect(ips(c.clusterEndpoints)).toEqual(['10.0.0.2']);
    expect(ips(c.localEndpoints)).toEqual(['10.0.0.3']);
    expect(ips(c.reachableEndpoints)).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('no ready endpoint at all: hints are moot and the serving terminating ones are used', () => {
    const terminating = hinted.map((e) => ({ ...e, ready: false, terminating: true }));
    expect(ips(categorizeEndpoints(terminating, true, false, at).clusterEndpoints)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });
});
