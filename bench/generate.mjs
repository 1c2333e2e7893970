// Deterministic synthetic clusters for the benchmark: one `kind: List` document holding v1 Services
// and discovery.k8s.io/v1 EndpointSlices, shaped like `kubectl get svc,endpointslices -A -o json`.

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
/** Leave some of the 2768 node ports unallocated, as a real cluster would. */
const NODE_PORT_BUDGET = 2500;
export const NODE_COUNT = 50;
const NAMESPACE_COUNT = 40;

/** mulberry32: small, fast, seeded; good enough for picking service shapes. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(rand, arr) {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [arr[i], arr[j]] = [arr[j], arr[i]];
  }
  return arr;
}

const ipv4 = (n) => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** Cluster IPs come from 10.96.0.0/12; 10.96.0.1 (kubernetes) and 10.96.0.10 (DNS) are skipped. */
function clusterIpAllocator(rand) {
  const base = (10 << 24) | (96 << 16);
  const size = 1 << 20;
  const used = new Set([0, 1, 10, size - 1]);
  return () => {
    for (;;) {
      const off = Math.floor(rand() * size);
      if (!used.has(off)) { used.add(off); return ipv4((base + off) >>> 0); }
    }
  };
}

/** Pod IPs: node k owns 10.(k+1).0.0/16 and hands out addresses in order. */
function podIpAllocator() {
  const next = new Array(NODE_COUNT).fill(1);
  return (node) => {
    const c = next[node]++;
    if (c >= 65534) throw new Error(`node-${node} ran out of pod addresses`);
    return ipv4(((10 << 24) | ((node + 1) << 16) | c) >>> 0);
  };
}

/** Load-balancer ingress addresses from 172.16.0.0/12 (outside the cluster CIDR 10.0.0.0/8). */
function ingressAllocator() {
  let n = 0;
  return () => ipv4(((172 << 24) | (16 << 16) | (0x100 + n++)) >>> 0);
}

const SOURCE_RANGES = [['203.0.113.0/24'], ['198.51.100.0/24', '192.0.2.0/25'], ['100.64.0.0/10']];

function pickType(r) {
  if (r < 0.70) return 'ClusterIP';
  if (r < 0.85) return 'NodePort';
  if (r < 0.95) return 'LoadBalancer';
  return 'ClusterIP-affinity';
}

/**
 * Builds a cluster of `services` Services, each backed by one EndpointSlice of `endpoints`
 * endpoints. Returns the List object and a summary of what it holds.
 */
export function generateCluster({ services, endpoints, seed = 1 }) {
  const rand = prng(seed ^ (services * 2654435761) ^ endpoints);
  const nextClusterIp = clusterIpAllocator(rand);
  const nextPodIp = podIpAllocator();
  const nextIngress = ingressAllocator();
  const nodePorts = shuffle(rand, Array.from({ length: NODE_PORT_MAX - NODE_PORT_MIN + 1 }, (_, i) => NODE_PORT_MIN + i)).slice(0, NODE_PORT_BUDGET);
  const takePorts = (n) => (nodePorts.length >= n ? nodePorts.splice(0, n) : null);

  const items = [];
  const stats = {
    services, endpointsPerService: endpoints, seed,
    types: { ClusterIP: 0, NodePort: 0, LoadBalancer: 0 },
    clientIPAffinity: 0, twoPort: 0, udpPorts: 0, nodePortsAllocated: 0,
    etpLocal: 0, sourceRanges: 0, lbWithoutNodePorts: 0, nodePortDemoted: 0,
    endpoints: 0, localEndpoints: 0, terminating: 0, notReady: 0,
  };

  for (let i = 0; i < services; i++) {
    const namespace = `ns-${i % NAMESPACE_COUNT}`;
    const name = `svc-${i}`;
    const shape = pickType(rand());
    let type = shape === 'ClusterIP-affinity' ? 'ClusterIP' : shape;
    const affinity = shape === 'ClusterIP-affinity';
    const twoPorts = rand() < 0.2;
    const udp = !twoPorts && rand() < 0.03;

    const ports = twoPorts
      ? [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
        ]
      : [udp ? { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 } : { protocol: 'TCP', port: 80 + (i % 7) * 1000, targetPort: 8080 }];

    const spec = {
      type,
      clusterIP: '',
      clusterIPs: [],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      selector: { app: name },
      sessionAffinity: affinity ? 'ClientIP' : 'None',
      ports,
    };
    spec.clusterIP = nextClusterIp();
    spec.clusterIPs = [spec.clusterIP];
    if (affinity) {
      stats.clientIPAffinity++;
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: rand() < 0.5 ? 10800 : 600 } };
    }

    const status = { loadBalancer: {} };
    if (type === 'NodePort') {
      const np = takePorts(ports.length);
      if (np) ports.forEach((p, k) => { p.nodePort = np[k]; });
      else { type = 'ClusterIP'; spec.type = type; stats.nodePortDemoted++; }
    }
    if (type === 'NodePort' || type === 'LoadBalancer') spec.externalTrafficPolicy = 'Cluster';
    if (type === 'LoadBalancer') {
      const local = rand() < 0.3;
      const np = takePorts(ports.length + (local ? 1 : 0));
      if (np) {
        ports.forEach((p, k) => { p.nodePort = np[k]; });
        if (local) {
          spec.externalTrafficPolicy = 'Local';
          spec.healthCheckNodePort = np[ports.length];
          stats.etpLocal++;
        }
      } else {
        spec.allocateLoadBalancerNodePorts = false;
        stats.lbWithoutNodePorts++;
      }
      if (rand() < 0.25) {
        spec.loadBalancerSourceRanges = SOURCE_RANGES[Math.floor(rand() * SOURCE_RANGES.length)];
        stats.sourceRanges++;
      }
      status.loadBalancer = { ingress: [{ ip: nextIngress(), ipMode: 'VIP' }] };
    }
    stats.types[type]++;
    if (twoPorts) stats.twoPort++;
    if (udp) stats.udpPorts++;
    for (const p of ports) if (p.nodePort) stats.nodePortsAllocated++;
    if (spec.healthCheckNodePort) stats.nodePortsAllocated++;

    items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace,
        uid: uid(rand),
        resourceVersion: String(1000 + i),
        labels: { app: name },
      },
      spec,
      status,
    });

    const eps = [];
    for (let e = 0; e < endpoints; e++) {
      const node = Math.floor(rand() * NODE_COUNT);
      const roll = rand();
      let conditions;
      if (roll < 0.02) { conditions = { ready: false, serving: true, terminating: true }; stats.terminating++; }
      else if (roll < 0.03) { conditions = { ready: false, serving: false, terminating: true }; stats.terminating++; }
      else if (roll < 0.04) { conditions = { ready: false, serving: false, terminating: false }; stats.notReady++; }
      else conditions = { ready: true, serving: true, terminating: false };
      if (node === 0) stats.localEndpoints++;
      stats.endpoints++;
      eps.push({
        addresses: [nextPodIp(node)],
        conditions,
        nodeName: `node-${node}`,
        targetRef: { kind: 'Pod', namespace, name: `${name}-${e}` },
      });
    }
    items.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-${(i * 7919).toString(36).padStart(5, 'x').slice(-5)}`,
        namespace,
        uid: uid(rand),
        resourceVersion: String(500000 + i),
        labels: {
          'kubernetes.io/service-name': name,
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: items[items.length - 1].metadata.uid }],
      },
      addressType: 'IPv4',
      endpoints: eps,
      ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : { name: '' }), protocol: p.protocol, port: p.targetPort })),
    });
  }

  return { list: { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, stats };
}

function uid(rand) {
  const hex = () => Math.floor(rand() * 0x10000).toString(16).padStart(4, '0');
  return `${hex()}${hex()}-${hex()}-${hex()}-${hex()}-${hex()}${hex()}${hex()}`;
}
