import type { Cluster } from '../k8s/decodeObjects.js';
import type { EndpointSlice, SliceEndpoint } from '../k8s/types.js';
import { formatIp, parseIp } from '../util/ip.js';
import type { TimelineEvent } from './timeline.js';

/** A named cluster state produced by an event. */
export interface State {
  readonly name: string;
  readonly cluster: Cluster;
}

function slicesOf(c: Cluster, service: string): EndpointSlice[] {
  return c.slices.filter((s) => `${s.namespace}/${s.serviceName}` === service);
}

function replaceSlices(c: Cluster, service: string, next: readonly EndpointSlice[]): Cluster {
  const others = c.slices.filter((s) => `${s.namespace}/${s.serviceName}` !== service);
  return { ...c, slices: [...others, ...next] };
}

/** The next address after the highest one in use (same family), for new endpoints. */
function allocator(c: Cluster): (family: 4 | 6, near: string | undefined) => string {
  const used = new Set(c.slices.flatMap((s) => s.endpoints.flatMap((e) => e.addresses.map((a) => formatIp(parseIp(a) ?? { family: 4, bytes: [0, 0, 0, 0] })))));
  return (family, near) => {
    const start = (near && parseIp(near)) || (family === 4 ? parseIp('10.250.0.1')! : parseIp('fd00:250::1')!);
    const bytes = [...start.bytes];
    for (let n = 0; n < 1_000_000; n++) {
      for (let i = bytes.length - 1; i >= 0; i--) {
        bytes[i] = (bytes[i] + 1) & 0xff;
        if (bytes[i] !== 0) break;
      }
      const last = bytes[bytes.length - 1];
      if (last === 0 || last === 255) continue;
      const text = formatIp({ family, bytes });
      if (!used.has(text)) { used.add(text); return text; }
    }
    throw new Error('address space exhausted');
  };
}

function mapEndpoints(slices: readonly EndpointSlice[], f: (e: SliceEndpoint) => SliceEndpoint | undefined): EndpointSlice[] {
  return slices.map((s) => ({ ...s, endpoints: s.endpoints.map(f).filter((e): e is SliceEndpoint => e !== undefined) }));
}

/** A slice for a Service that has none yet: ports mirror the Service ports. */
function emptySliceFor(c: Cluster, service: string): EndpointSlice | undefined {
  const svc = c.services.find((s) => `${s.namespace}/${s.name}` === service);
  if (!svc) return undefined;
  return {
    namespace: svc.namespace, name: `${svc.name}-churn`, serviceName: svc.name, addressType: svc.ipFamilies[0] ?? (svc.clusterIP.includes(':') ? 'IPv6' : 'IPv4'),
    ports: svc.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })), endpoints: [], origin: '<timeline>',
  };
}

/** Why an event cannot be applied to a state: the field of the event at fault (relative to the event), and what is wrong. */
export interface EventProblem {
  readonly field: readonly (string | number)[];
  readonly message: string;
}

/**
 * Whether `event` names what the state has: its Service, and for ready / notReady endpoints of
 * that Service. An event that matched nothing would leave the rules as they are without a word.
 */
export function eventProblem(c: Cluster, event: TimelineEvent): EventProblem | undefined {
  const service = event.service;
  const serviceField = event.kind === 'deleteService' ? [] : ['service'];
  if (!c.services.some((s) => `${s.namespace}/${s.name}` === service)) return { field: serviceField, message: `no Service ${service} in the state this step starts from` };
  if (event.kind === 'ready' || event.kind === 'notReady') {
    const have = new Set(slicesOf(c, service).flatMap((s) => s.endpoints.map((e) => e.addresses[0])));
    const j = event.addresses.findIndex((a) => !have.has(a));
    if (j >= 0) return { field: ['addresses', j], message: `${event.addresses[j]} is not an endpoint of ${service} in the state this step starts from` };
  }
  return undefined;
}

/**
 * Applies one timeline event that names what the state has (see eventProblem). Most events give
 * one new state; a rollout gives two per endpoint (replacement ready + old terminating, then old
 * removed), as a Deployment's rolling update does.
 */
/** How many states `applyEvent` makes of `event`, known before making them: a rollout makes two per endpoint (one when there is none). */
export function eventStateCount(c: Cluster, event: TimelineEvent): number {
  if (event.kind !== 'rollout') return 1;
  return Math.max(1, 2 * slicesOf(c, event.service).reduce((n, s) => n + s.endpoints.length, 0));
}

export function applyEvent(c: Cluster, event: TimelineEvent, name: string): State[] {
  const alloc = allocator(c);
  const service = event.service;
  const slices = slicesOf(c, service);
  switch (event.kind) {
    case 'deleteService':
      return [{ name, cluster: { ...c, services: c.services.filter((s) => `${s.namespace}/${s.name}` !== service), slices: c.slices.filter((s) => `${s.namespace}/${s.serviceName}` !== service) } }];
    case 'notReady':
    case 'ready': {
      const ready = event.kind === 'ready';
      const next = mapEndpoints(slices, (e) => (event.addresses.includes(e.addresses[0]) ? { ...e, ready, serving: ready } : e));
      return [{ name, cluster: replaceSlices(c, service, next) }];
    }
    case 'scale': {
      const all = slices.flatMap((s) => s.endpoints);
      if (event.replicas <= all.length) {
        const keep = new Set(all.slice(0, event.replicas));
        return [{ name, cluster: replaceSlices(c, service, mapEndpoints(slices, (e) => (keep.has(e) ? e : undefined))) }];
      }
      const target = slices.length ? slices : [emptySliceFor(c, service)].filter((s): s is EndpointSlice => s !== undefined);
      if (!target.length) return [{ name, cluster: c }];
      const last = target[target.length - 1];
      const nodes = [...new Set(all.map((e) => e.nodeName).filter((n): n is string => !!n))];
      const fam = last.addressType === 'IPv6' ? 6 : 4;
      const added: SliceEndpoint[] = [];
      let near = all[all.length - 1]?.addresses[0];
      for (let i = all.length; i < event.replicas; i++) {
        near = alloc(fam, near);
        added.push({ addresses: [near], ready: true, ...(nodes.length ? { nodeName: nodes[i % nodes.length] } : {}), zoneHints: [], nodeHints: [] });
      }
      const next = [...target.slice(0, -1), { ...last, endpoints: [...last.endpoints, ...added] }];
      return [{ name, cluster: replaceSlices(c, service, next) }];
    }
    case 'rollout': {
      const states: State[] = [];
      let current = c;
      const olds = slices.flatMap((s) => s.endpoints.map((e) => e.addresses[0]));
      // Nothing to replace is still a step of the story, shown as one that changes nothing.
      if (olds.length === 0) return [{ name: `${name}: no endpoints to replace`, cluster: c }];
      olds.forEach((old, i) => {
        const cur = slicesOf(current, service);
        const oldEp = cur.flatMap((s) => s.endpoints).find((e) => e.addresses[0] === old);
        const fam = cur.find((s) => s.endpoints.includes(oldEp!))?.addressType === 'IPv6' ? 6 : 4;
        const fresh = alloc(fam, old);
        const step1 = cur.map((s) => {
          if (!s.endpoints.includes(oldEp!)) return s;
          const endpoints = s.endpoints.map((e) => (e === oldEp ? { ...e, ready: false, serving: true, terminating: true } : e));
          return { ...s, endpoints: [...endpoints, { ...oldEp!, addresses: [fresh], ready: true, serving: true, terminating: false }] };
        });
        current = replaceSlices(current, service, step1);
        states.push({ name: `${name}: ${fresh} ready, ${old} terminating (${i + 1}/${olds.length})`, cluster: current });
        current = replaceSlices(current, service, mapEndpoints(slicesOf(current, service), (e) => (e.addresses[0] === old ? undefined : e)));
        states.push({ name: `${name}: ${old} removed (${i + 1}/${olds.length})`, cluster: current });
      });
      return states;
    }
  }
}
