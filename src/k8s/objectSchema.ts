/*
 * The fields of the objects read here, as the Kubernetes 1.33 API defines them (core/v1 Service and
 * Node, discovery.k8s.io/v1 EndpointSlice and the ObjectMeta they carry). An API server with strict
 * field validation, kubectl's default, refuses an object with a field outside these; kube-proxy
 * never sees one. A field here is only known by name: its value is checked by the readers.
 */

/**
 * A mapping's fields: `true` for a field whose value is not looked into here (a string, a list of
 * strings, a free-form map such as labels), a schema for a mapping, a one-element array for a
 * list of mappings.
 */
export interface Schema {
  readonly [field: string]: true | Schema | readonly [Schema];
}

const OBJECT_META: Schema = {
  name: true, generateName: true, namespace: true, selfLink: true, uid: true, resourceVersion: true,
  generation: true, creationTimestamp: true, deletionTimestamp: true, deletionGracePeriodSeconds: true,
  labels: true, annotations: true, ownerReferences: true, finalizers: true, managedFields: true,
};

const SERVICE_PORT: Schema = { name: true, protocol: true, appProtocol: true, port: true, targetPort: true, nodePort: true };

export const SERVICE: Schema = {
  apiVersion: true, kind: true, metadata: OBJECT_META,
  spec: {
    ports: [SERVICE_PORT], selector: true, clusterIP: true, clusterIPs: true, type: true, externalIPs: true,
    sessionAffinity: true, loadBalancerIP: true, loadBalancerSourceRanges: true, externalName: true,
    externalTrafficPolicy: true, healthCheckNodePort: true, publishNotReadyAddresses: true,
    sessionAffinityConfig: { clientIP: { timeoutSeconds: true } }, ipFamilies: true, ipFamilyPolicy: true,
    allocateLoadBalancerNodePorts: true, loadBalancerClass: true, internalTrafficPolicy: true, trafficDistribution: true,
  },
  status: { loadBalancer: { ingress: [{ ip: true, hostname: true, ipMode: true, ports: true }] }, conditions: true },
};

const FOR_NAME: Schema = { name: true };

export const ENDPOINT: Schema = {
  addresses: true, conditions: { ready: true, serving: true, terminating: true }, hostname: true, targetRef: true,
  nodeName: true, zone: true, hints: { forZones: [FOR_NAME], forNodes: [FOR_NAME] }, deprecatedTopology: true,
};

/** core/v1 Node: every field of spec and status is known by name; only the addresses are looked into. */
export const NODE: Schema = {
  apiVersion: true, kind: true, metadata: OBJECT_META,
  spec: { podCIDR: true, podCIDRs: true, providerID: true, unschedulable: true, taints: true, configSource: true, externalID: true },
  status: {
    capacity: true, allocatable: true, phase: true, conditions: true, addresses: [{ type: true, address: true }], daemonEndpoints: true,
    nodeInfo: true, images: true, volumesInUse: true, volumesAttached: true, config: true, runtimeHandlers: true, features: true,
    // Added after 1.33; known so that a newer cluster's Node is not taken for misspelt.
    declaredFeatures: true,
  },
};

export const ENDPOINT_SLICE: Schema = {
  apiVersion: true, kind: true, metadata: OBJECT_META, addressType: true, endpoints: [ENDPOINT],
  ports: [{ name: true, protocol: true, port: true, appProtocol: true }],
};

/** The names of a schema's fields, in the order written above. */
export function fieldNames(schema: Schema): readonly string[] {
  return Object.keys(schema);
}

/** One field the schema does not have, where it is and the known field it is most likely a slip for. */
export interface UnknownField {
  readonly path: readonly (string | number)[];
  readonly meant?: string;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (schema: Schema, key: string): boolean => Object.prototype.hasOwnProperty.call(schema, key);

/**
 * Every field of `value` that `schema` does not know, depth first in the object's key order.
 * Values of the wrong type are not looked into (the readers report them).
 */
export function unknownFields(value: unknown, schema: Schema): UnknownField[] {
  const out: UnknownField[] = [];
  const walk = (v: unknown, s: Schema, path: (string | number)[]): void => {
    if (!isMapping(v)) return;
    for (const key of Object.keys(v)) {
      if (!has(s, key)) {
        out.push({ path: [...path, key], meant: likelyMeant(key, s) });
        continue;
      }
      const sub = s[key];
      if (sub === true) continue;
      if (Array.isArray(sub)) {
        const items = v[key];
        if (Array.isArray(items)) items.forEach((item, i) => walk(item, (sub as readonly [Schema])[0], [...path, key, i]));
      } else walk(v[key], sub as Schema, [...path, key]);
    }
  };
  walk(value, schema, []);
  return out;
}

/** Whether `value` has any field `schema` does not know (unknownFields without building the list). */
export function hasUnknownFields(value: unknown, schema: Schema): boolean {
  if (!isMapping(value)) return false;
  for (const key in value) {
    if (!has(schema, key)) return true;
    const sub = schema[key];
    if (sub === true) continue;
    const v = value[key];
    if (Array.isArray(sub)) {
      if (Array.isArray(v)) for (const item of v) if (hasUnknownFields(item, (sub as readonly [Schema])[0])) return true;
    } else if (hasUnknownFields(v, sub as Schema)) return true;
  }
  return false;
}

/** The known field `key` is most likely a slip for: the same but for case, else one or two edits away. */
function likelyMeant(key: string, schema: Schema): string | undefined {
  const names = fieldNames(schema);
  const lower = key.toLowerCase();
  const sameButCase = names.find((n) => n.toLowerCase() === lower);
  if (sameButCase) return sameButCase;
  let best: string | undefined;
  let bestDistance = key.length < 5 ? 2 : 3;
  for (const n of names) {
    const d = editDistance(lower, n.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with swaps of neighbours counting one, or `cap` once it is at least that. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let least = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      row.push(d);
      least = Math.min(least, d);
    }
    if (least >= cap) return cap;
    prev2 = prev;
    prev = row;
  }
  return Math.min(prev[b.length], cap);
}

/**
 * Fields that older API versions had, by where they sit (`[]` for any list item), with what took
 * their place: a manifest written for those versions meets these, and the likely fix is not a
 * spelling one.
 */
const REPLACED: Readonly<Record<string, string>> = {
  'metadata.clusterName': 'a legacy field the API server always cleared, since removed',
  'spec.topologyKeys': 'the alpha Service topology field, deprecated in Kubernetes 1.21 and since removed; kube-proxy 1.33 routes by topology hints and spec.trafficDistribution instead',
  'spec.ipFamily': 'the alpha dual-stack field, replaced by spec.ipFamilies and spec.ipFamilyPolicy',
  'endpoints.[].topology': 'discovery.k8s.io/v1beta1\'s; in v1 the node is endpoints[].nodeName and the zone endpoints[].zone',
};

/** Where a report goes (a FieldReader). */
interface Reporter {
  report(code: 'KPC038', path: readonly (string | number)[], message: string): void;
}

/** Where a field sits, whatever list item it is in: `endpoints.[].zone`. */
const shape = (field: UnknownField): string => field.path.map((p) => (typeof p === 'number' ? '[]' : p)).join('.');

/**
 * Reports each field of `value` that `schema` does not know as a KPC038 warning. The same slip in
 * many items of a list (a misspelt key in every endpoint) is one report, at its first place.
 */
export function reportUnknownFields(r: Reporter, value: unknown, schema: Schema, kind: string): void {
  const first = new Map<string, { field: UnknownField; more: number }>();
  for (const field of unknownFields(value, schema)) {
    const seen = first.get(shape(field));
    if (seen) seen.more++;
    else first.set(shape(field), { field, more: 0 });
  }
  for (const { field, more } of first.values()) {
    const replaced = Object.hasOwn(REPLACED, shape(field)) ? ` (${REPLACED[shape(field)]})` : undefined;
    const meant = replaced ?? (field.meant ? ` (did you mean ${field.meant}?)` : '');
    const also = more ? `; the same field is in ${more} more item${more === 1 ? '' : 's'} of the list` : '';
    r.report('KPC038', field.path, `is not a field of ${kind}${meant}: it is ignored here, and an API server with strict field validation (kubectl's default) refuses the object${also}`);
  }
}

/**
 * The fields of a mapping (or of the items of a list of mappings) that a byte reader does not
 * read, only steps over: the schema's fields without `read`. It fails on a part of the schema
 * that is not a mapping, as a reader of that part is a mistake.
 */
export function otherFields(part: Schema[string] | undefined, read: readonly string[]): readonly string[] {
  const schema = Array.isArray(part) ? (part as readonly [Schema])[0] : part;
  if (schema === undefined || schema === true) throw new Error('otherFields: not a mapping in the schema');
  return fieldNames(schema as Schema).filter((f) => !read.includes(f));
}
