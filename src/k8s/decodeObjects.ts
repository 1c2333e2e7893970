import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { RawObject } from '../input/rawObject.js';
import { conflictingEndpoints } from './conflictingEndpoints.js';
import { decodeEndpointSlice } from './decodeEndpointSlice.js';
import { decodeNode } from './decodeNode.js';
import { decodeService, objectLabel } from './decodeService.js';
import { jsonEndpointSlice } from './jsonEndpointSlice.js';
import { HEADLESS_LABEL, type EndpointSlice, type NodeObject, type Service } from './types.js';

/** The typed objects of one input, plus KubeProxyConfiguration documents left raw for the settings stage. */
export interface Cluster {
  readonly services: readonly Service[];
  readonly slices: readonly EndpointSlice[];
  readonly nodes: readonly NodeObject[];
  readonly proxyConfigs: readonly RawObject[];
}

/** What a Service or EndpointSlice item decoded to (kept to be reused by an identical item elsewhere). */
export type DecodedItem = { readonly service: Service } | { readonly slice: EndpointSlice };

export interface DecodeOptions {
  /** The decoded form of an identical item read before (see decodedTwins), if any. */
  readonly twin?: (raw: RawObject) => DecodedItem | undefined;
  /** Receives each Service and EndpointSlice item's decoded form. */
  readonly record?: Map<RawObject, DecodedItem>;
}

/**
 * Slices kube-proxy ignores (no service-name label, or a Service the input lacks): a warning each,
 * at the label's line in the slice's own file (a slice shared with another load names its origin).
 * `refused` holds `namespace/name` of the Service objects the input has but `services` lacks (they
 * failed to read, or kube-proxy does not watch them): their slices are not unclaimed, and saying so
 * would only add noise.
 */
function unclaimedSlices(services: readonly Service[], refused: ReadonlySet<string>, slices: readonly EndpointSlice[], raws: readonly RawObject[], diagnostics: Diagnostic[]): void {
  const names = new Set(services.map((x) => `${x.namespace}/${x.name}`));
  for (const n of refused) names.add(n);
  slices.forEach((slice, i) => {
    if (slice.serviceName !== '' && names.has(`${slice.namespace}/${slice.serviceName}`)) return;
    const raw = raws[i];
    const object = `EndpointSlice ${slice.namespace}/${slice.name}`;
    if (slice.serviceName === '') {
      diagnostics.push(diag('KPC031', 'has no kubernetes.io/service-name label; kube-proxy ignores it', { file: raw.file, line: raw.locate(['metadata']) ?? raw.locate([]), object, field: 'metadata.labels' }));
    } else {
      const line = raw.locate(['metadata', 'labels', 'kubernetes.io/service-name']) ?? raw.locate([]);
      diagnostics.push(diag('KPC030', `belongs to Service ${slice.namespace}/${slice.serviceName}, which is not in the input; its endpoints are unused`, { file: raw.file, line, object, field: 'metadata.labels.kubernetes.io/service-name' }));
    }
  });
}

/**
 * Slice ports that match no port of their Service: kube-proxy pairs them by port name and
 * protocol, and drops the rest without a word, so the Service is left without those endpoints
 * (the "has no endpoints" REJECT of a renamed port). A warning each slice, at its ports.
 */
function unmatchedSlicePorts(services: readonly Service[], slices: readonly EndpointSlice[], raws: readonly RawObject[], diagnostics: Diagnostic[]): void {
  const portsOf = new Map<string, Service>();
  for (const svc of services) if (svc.type !== 'ExternalName') portsOf.set(`${svc.namespace}/${svc.name}`, svc);
  slices.forEach((slice, i) => {
    const svc = slice.serviceName === '' ? undefined : portsOf.get(`${slice.namespace}/${slice.serviceName}`);
    if (!svc || slice.addressType === 'FQDN') return;
    const unmatched = slice.ports.filter((p) => p.port !== null && p.port !== 0 && !svc.ports.some((q) => q.name === p.name && q.protocol === p.protocol));
    if (unmatched.length === 0) return;
    const name = (p: { name: string; protocol: string }) => `${p.name === '' ? '(unnamed)' : p.name}/${p.protocol}`;
    const raw = raws[i];
    diagnostics.push(diag('KPC037', `port${unmatched.length === 1 ? '' : 's'} ${unmatched.map(name).join(', ')} match${unmatched.length === 1 ? 'es' : ''} no port of Service ${svc.namespace}/${svc.name} (${svc.ports.map(name).join(', ') || 'none'}): kube-proxy pairs ports by name and protocol, so ${unmatched.length === 1 ? 'its' : 'their'} endpoints are unused`, { file: raw.file, line: raw.locate(['ports']) ?? raw.locate([]), object: `EndpointSlice ${slice.namespace}/${slice.name}`, field: 'ports' }));
  });
}

/**
 * One object's diagnostics in the order of their lines: the readers check fields in their own
 * order (a type after the ports it decides about), and a reader of the messages goes down the file.
 * Equal lines keep their order; one without a line goes last.
 */
function inLineOrder(ds: readonly Diagnostic[]): readonly Diagnostic[] {
  if (ds.length < 2) return ds;
  return ds.map((d, i) => ({ d, i })).sort((a, b) => (a.d.line ?? Infinity) - (b.d.line ?? Infinity) || a.i - b.i).map((x) => x.d);
}

/** The kinds read here. */
const READ_KINDS = ['Service', 'EndpointSlice', 'Node', 'KubeProxyConfiguration'] as const;

/** The API versions Kubernetes 1.33 serves the kinds read here in (KubeProxyConfiguration's is checked with the settings). */
const SERVED: Readonly<Record<string, { group: string; version: string }>> = {
  Service: { group: '', version: 'v1' },
  Node: { group: '', version: 'v1' },
  EndpointSlice: { group: 'discovery.k8s.io', version: 'discovery.k8s.io/v1' },
};

/**
 * Why an object of a kind read here, in that kind's API group, has an apiVersion no API server
 * serves (a typo, or a version since removed), so it cannot stand for what kube-proxy would see.
 */
function unservedVersion(kind: string, group: string, apiVersion: string): string | undefined {
  const served = Object.hasOwn(SERVED, kind) ? SERVED[kind] : undefined;
  if (!served || served.group !== group || apiVersion === served.version) return undefined;
  const removed = apiVersion === 'discovery.k8s.io/v1beta1' ? ' (no longer served since Kubernetes 1.25)' : '';
  return `must be ${served.version} for kind ${kind}, found ${JSON.stringify(apiVersion)}${removed}`;
}

/**
 * Decodes and validates raw objects; other kinds are skipped with one note per kind. An item with
 * a twin takes the twin's objects as they are, so what is reused is also shared (a diff then
 * sees an unchanged Service as the same object on both sides).
 */
export function decodeObjects(objects: readonly RawObject[], opts: DecodeOptions = {}): { cluster: Cluster; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  const nodes: NodeObject[] = [];
  const proxyConfigs: RawObject[] = [];
  const skipped = new Map<string, number>();
  const seen = new Map<string, RawObject>();
  const refused = new Set<string>();
  /** Notes a Service object that failed to read, by the names its metadata gives (see unclaimedSlices). */
  const refuse = (raw: RawObject): void => {
    const meta = raw.value.metadata;
    if (!meta || typeof meta !== 'object') return;
    const { namespace: given, name } = meta as Record<string, unknown>;
    const namespace = given === undefined || given === '' ? 'default' : given;
    if (typeof namespace === 'string' && typeof name === 'string') refused.add(`${namespace}/${name}`);
  };

  const duplicate = (key: string, raw: RawObject, label: string): boolean => {
    const first = seen.get(key);
    if (first) {
      diagnostics.push(diag('KPC019', `appears more than once (first at ${first.file}:${first.locate([]) ?? '?'})`, { file: raw.file, line: raw.locate([]), object: label }));
      return true;
    }
    seen.set(key, raw);
    return false;
  };

  // Objects kube-proxy does not watch, per label: counted for one note each, then left out.
  const unwatched = new Map<string, { services: number; slices: number }>();
  const notWatched = (label: string, kind: 'services' | 'slices'): void => {
    const n = unwatched.get(label) ?? { services: 0, slices: 0 };
    n[kind]++;
    unwatched.set(label, n);
  };

  // Only items read without any diagnostic are recorded: a twin must not hide a warning.
  const addService = (service: Service, raw: RawObject, clean = true): void => {
    if (clean) opts.record?.set(raw, { service });
    if (duplicate(`svc/${service.namespace}/${service.name}`, raw, `Service ${service.namespace}/${service.name}`)) return;
    if (service.unwatchedBy) {
      // Its slices are then not "unclaimed": kube-proxy sees no Service for them either way.
      notWatched(service.unwatchedBy, 'services');
      refused.add(`${service.namespace}/${service.name}`);
      return;
    }
    services.push(service);
  };
  const sliceRaws: RawObject[] = [];
  const addSlice = (slice: EndpointSlice, raw: RawObject, clean = true): void => {
    if (clean) opts.record?.set(raw, { slice });
    if (duplicate(`eps/${slice.namespace}/${slice.name}`, raw, `EndpointSlice ${slice.namespace}/${slice.name}`)) return;
    if (slice.unwatchedBy) return notWatched(slice.unwatchedBy, 'slices');
    slices.push(slice);
    sliceRaws.push(raw);
  };

  const visit = (raw: RawObject): void => {
    const twin = opts.twin?.(raw);
    if (twin) {
      if ('service' in twin) addService(twin.service, raw);
      else addSlice(twin.slice, raw);
      return;
    }
    // A List item's bytes are read directly when they hold a well-formed EndpointSlice.
    const fromJson = raw.json && jsonEndpointSlice(raw.json, raw.file);
    if (fromJson) {
      addSlice(fromJson, raw);
      return;
    }
    const kind = raw.value.kind;
    const apiVersion = raw.value.apiVersion;
    if (typeof kind !== 'string' || kind === '' || typeof apiVersion !== 'string' || apiVersion === '') {
      const field = typeof kind !== 'string' || kind === '' ? 'kind' : 'apiVersion';
      diagnostics.push(diag('KPC004', `is missing or not a string: every Kubernetes object needs apiVersion and kind`, { file: raw.file, line: raw.locate([field]) ?? raw.locate([]), field }));
      return;
    }
    // A List inside a List (one `kubectl get -o json` per namespace, gathered in one): its items
    // are read as kubectl reads them, flattened.
    const items = raw.value.items;
    if (kind.endsWith('List') && Array.isArray(items)) {
      items.forEach((item: unknown, i: number) => {
        const locate = (path: readonly (string | number)[]) => raw.locate(['items', i, ...path]);
        if (item === null || typeof item !== 'object' || Array.isArray(item)) diagnostics.push(diag('KPC004', `items[${i}] is not a Kubernetes object`, { file: raw.file, line: locate([]) }));
        else visit({ value: item as Record<string, unknown>, file: raw.file, locate });
      });
      return;
    }
    // A read kind spelt in another case is a slip no API server accepts, not an object to skip.
    const meant = READ_KINDS.find((k) => k !== kind && k.toLowerCase() === kind.toLowerCase());
    if (meant) {
      diagnostics.push(diag('KPC018', `is ${JSON.stringify(kind)}: kinds are case-sensitive, did you mean ${meant}?`, { file: raw.file, line: raw.locate(['kind']) ?? raw.locate([]), field: 'kind' }));
      if (meant === 'Service') refuse(raw);
      return;
    }
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const wrongVersion = unservedVersion(kind, group, apiVersion);
    if (wrongVersion) {
      const meta = raw.value.metadata as Record<string, unknown> | undefined;
      const object = kind === 'Node' ? `Node ${typeof meta?.name === 'string' ? meta.name : '?'}` : objectLabel(raw, kind);
      diagnostics.push(diag('KPC018', wrongVersion, { file: raw.file, line: raw.locate(['apiVersion']) ?? raw.locate([]), object, field: 'apiVersion' }));
      if (kind === 'Service') refuse(raw);
      return;
    }
    if (kind === 'Service' && group === '') {
      const { service, diagnostics: ds } = decodeService(raw);
      diagnostics.push(...inLineOrder(ds));
      if (service) addService(service, raw, ds.length === 0);
      else refuse(raw);
      raw.release?.();
    } else if (kind === 'EndpointSlice' && group === 'discovery.k8s.io') {
      const { slice, diagnostics: ds } = decodeEndpointSlice(raw);
      diagnostics.push(...inLineOrder(ds));
      if (slice) addSlice(slice, raw, ds.length === 0);
    } else if (kind === 'Node' && group === '') {
      const { node, diagnostics: ds } = decodeNode(raw);
      diagnostics.push(...inLineOrder(ds));
      if (node && !duplicate(`node/${node.name}`, raw, `Node ${node.name}`)) nodes.push(node);
    } else if (kind === 'KubeProxyConfiguration' && group === 'kubeproxy.config.k8s.io') {
      proxyConfigs.push(raw);
    } else {
      const k = `${kind} (${apiVersion})`;
      skipped.set(k, (skipped.get(k) ?? 0) + 1);
    }
  };
  for (const raw of objects) visit(raw);
  unclaimedSlices(services, refused, slices, sliceRaws, diagnostics);
  unmatchedSlicePorts(services, slices, sliceRaws, diagnostics);
  diagnostics.push(...conflictingEndpoints(slices, sliceRaws));
  for (const [k, n] of skipped) diagnostics.push(diag('KPC005', `skipped ${n} object${n === 1 ? '' : 's'} of kind ${k}: only Services, EndpointSlices, Nodes and KubeProxyConfiguration are read`));
  // A headless Service's slices carry the headless label; the Service makes no rules either way,
  // so skipping them is nothing to mention.
  for (const [label, n] of unwatched) {
    if (label === HEADLESS_LABEL && n.services === 0) continue;
    const what = [n.services ? `${n.services} Service${n.services === 1 ? '' : 's'}` : '', n.slices ? `${n.slices} EndpointSlice${n.slices === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
    diagnostics.push(diag('KPC035', `skipped ${what} labelled ${label}: kube-proxy does not watch objects with that label, so they get no rules`));
  }
  return { cluster: { services, slices, nodes, proxyConfigs }, diagnostics };
}
