import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { objectsSource } from '../../src/input/objectsSource.js';
import { decodeObjects } from '../../src/k8s/decodeObjects.js';

// Objects typed with @kubernetes/client-node's models: what a live-cluster source will hand over.
const service: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'shop', name: 'web' },
  spec: { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } },
};
const slice: V1EndpointSlice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'shop', name: 'web-x1', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-a', hints: { forZones: [{ name: 'z1' }] } }],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
};

describe('objectsSource (objects from @kubernetes/client-node)', () => {
  it('decodes client-node Service and EndpointSlice objects', () => {
    const { cluster, diagnostics } = decodeObjects(objectsSource('cluster', [service, slice]));
    expect(diagnostics).toEqual([]);
    expect(cluster.services[0]).toMatchObject({ namespace: 'shop', name: 'web', clusterIP: '10.96.0.20', affinityTimeoutSeconds: 600, sessionAffinity: 'ClientIP' });
    expect(cluster.slices[0]).toMatchObject({ serviceName: 'web', endpoints: [{ addresses: ['10.244.1.5'], ready: true, nodeName: 'node-a', zoneHints: ['z1'] }] });
  });

  it('names the origin and the object when an object is invalid (no line numbers)', () => {
    const bad: V1Service = { ...service, spec: { ...service.spec, ports: [{ port: 70000 }] } };
    const { diagnostics } = decodeObjects(objectsSource('cluster', [bad]));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ file: 'cluster', line: undefined, object: 'Service shop/web', field: 'spec.ports[0].port', code: 'KPC015' });
  });
});
