import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * Just enough of an API server for `kubectl create --dry-run=client`: the discovery documents that
 * map the kinds the tests use to resources. kubectl then parses and prints objects itself, never
 * sending them anywhere, which is how the tests read YAML exactly as kubectl reads it.
 */

const CORE = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs: ['create', 'get', 'list'] },
    { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['create', 'get', 'list'] },
    { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['create', 'get', 'list'] },
  ],
};
const DISCOVERY = {
  kind: 'APIResourceList',
  groupVersion: 'discovery.k8s.io/v1',
  resources: [{ name: 'endpointslices', singularName: 'endpointslice', namespaced: true, kind: 'EndpointSlice', verbs: ['create', 'get', 'list'] }],
};
const DOCS: Readonly<Record<string, unknown>> = {
  '/version': { major: '1', minor: '33', gitVersion: 'v1.33.0' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'discovery.k8s.io', versions: [{ groupVersion: 'discovery.k8s.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'discovery.k8s.io/v1', version: 'v1' } }],
  },
  '/api/v1': CORE,
  '/apis/discovery.k8s.io/v1': DISCOVERY,
};

/** Starts the server on a free loopback port; `close` stops it. */
export async function startDiscoveryServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const doc = DOCS[(req.url ?? '').split('?')[0]];
    if (req.method !== 'GET' || doc === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
