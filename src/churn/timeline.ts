import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { FieldReader } from '../k8s/fieldReader.js';
import type { RawObject } from '../input/rawObject.js';

/** One event of a timeline, applied to the cluster state of the step before. */
export type TimelineEvent =
  | { readonly kind: 'scale'; readonly service: string; readonly replicas: number }
  | { readonly kind: 'rollout'; readonly service: string }
  | { readonly kind: 'notReady'; readonly service: string; readonly addresses: readonly string[] }
  | { readonly kind: 'ready'; readonly service: string; readonly addresses: readonly string[] }
  | { readonly kind: 'deleteService'; readonly service: string };

export interface Timeline {
  /** The starting manifests, relative to the timeline file unless absolute. */
  readonly start: string;
  /** Each step with its index in the file's `steps` (for placing a problem found when it is applied). */
  readonly steps: readonly { readonly name: string; readonly event: TimelineEvent; readonly index: number }[];
}

const EVENTS = ['scale', 'rollout', 'notReady', 'ready', 'deleteService'] as const;

/** The fields each part of a timeline has: any other is a typo that would otherwise be ignored. */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  timeline: ['apiVersion', 'kind', 'metadata', 'start', 'steps'],
  step: ['name', ...EVENTS],
  scale: ['service', 'replicas'],
  rollout: ['service'],
  notReady: ['service', 'addresses'],
  ready: ['service', 'addresses'],
};

/**
 * Reads a timeline document (`kind: Timeline`, apiVersion `kproxy-compile/v1`): a start state and
 * events such as scaling a Service, rolling its endpoints, marking them not ready, deleting it.
 */
export function decodeTimeline(raw: RawObject): { timeline?: Timeline; diagnostics: Diagnostic[] } {
  const r = new FieldReader(raw, 'Timeline');
  if (raw.value.kind !== 'Timeline') r.report('KPC060', ['kind'], 'must be Timeline');
  const apiVersion = raw.value.apiVersion;
  if (apiVersion === undefined) r.report('KPC060', ['apiVersion'], 'is required: kproxy-compile/v1');
  else if (apiVersion !== 'kproxy-compile/v1') r.report('KPC060', ['apiVersion'], `must be kproxy-compile/v1, found ${JSON.stringify(apiVersion)}`);
  /** Reports each field `part` does not have; returns how many there were. */
  const unknown = (path: (string | number)[], value: Readonly<Record<string, unknown>> | undefined, part: string): number => {
    const known = FIELDS[part];
    let n = 0;
    for (const key of Object.keys(value ?? {})) {
      if (known.includes(key)) continue;
      r.report('KPC060', [...path, key], `unknown field: ${part === 'timeline' || part === 'step' ? `a ${part}` : part} has ${known.join(', ')}`);
      n++;
    }
    return n;
  };
  unknown([], raw.value, 'timeline');
  const start = r.string(['start'], true);
  // An empty start would be the timeline's own directory: every file beside it, read as a state.
  if (start !== undefined && start.trim() === '') r.report('KPC060', ['start'], 'must name the starting manifests (a file or directory), found an empty string');
  const steps: { name: string; event: TimelineEvent; index: number }[] = [];
  const svcName = (path: (string | number)[]): string | undefined => {
    const v = r.string(path, true);
    if (v !== undefined && !/^[a-z0-9-]+\/[a-z0-9-]+$/.test(v)) { r.report('KPC060', path, `must be namespace/name, found ${JSON.stringify(v)}`); return undefined; }
    return v;
  };
  const list = r.list(['steps']);
  if (r.listsNothing(['steps'])) r.report('KPC060', ['steps'], 'must list at least one step');
  list.forEach((_, i) => {
    const base = ['steps', i];
    const item = r.requiredMapping(base);
    if (!item) return;
    const strangers = unknown(base, item, 'step');
    const kinds = EVENTS.filter((k) => k in item);
    // A step whose only event is misspelt has had its one message (the unknown field).
    if (kinds.length === 0 && strangers > 0) return;
    if (kinds.length !== 1) { r.report('KPC060', base, `must hold exactly one of ${EVENTS.join(', ')}`); return; }
    const kind = kinds[0];
    let event: TimelineEvent | undefined;
    if (kind === 'deleteService') {
      const s = svcName([...base, 'deleteService']);
      if (s) event = { kind, service: s };
    } else {
      const body = r.mapping([...base, kind]);
      // An event that is no mapping has had its message; its fields are not looked for.
      if (!body) { if (r.get([...base, kind]) === null) r.report('KPC011', [...base, kind, 'service'], 'is required'); return; }
      unknown([...base, kind], body, kind);
      const s = svcName([...base, kind, 'service']);
      if (kind === 'scale') {
        const n = r.integer([...base, kind, 'replicas'], true);
        if (n !== undefined && (n < 0 || n > 10000)) r.report('KPC060', [...base, kind, 'replicas'], `must be between 0 and 10000, found ${n}`);
        else if (s && n !== undefined) event = { kind, service: s, replicas: n };
      } else if (kind === 'rollout') {
        if (s) event = { kind, service: s };
      } else {
        const listed = r.list([...base, kind, 'addresses']);
        if (r.listsNothing([...base, kind, 'addresses'])) r.report('KPC011', [...base, kind, 'addresses'], 'must list the endpoint addresses to change');
        const addresses = listed.map((_, j) => r.string([...base, kind, 'addresses', j], true)).filter((x): x is string => x !== undefined);
        if (s && addresses.length) event = { kind, service: s, addresses };
      }
    }
    const name = r.string([...base, 'name']) ?? describe(event);
    if (event) steps.push({ name, event, index: i });
  });
  if (r.diagnostics.length || start === undefined || start.trim() === '') return { diagnostics: r.diagnostics.length ? r.diagnostics : [diag('KPC060', 'invalid timeline', { file: raw.file })] };
  return { timeline: { start, steps }, diagnostics: [] };
}

function describe(e: TimelineEvent | undefined): string {
  if (!e) return '';
  switch (e.kind) {
    case 'scale': return `scale ${e.service} to ${e.replicas}`;
    case 'rollout': return `roll out ${e.service}`;
    case 'notReady': return `mark ${e.addresses.join(', ')} of ${e.service} not ready`;
    case 'ready': return `mark ${e.addresses.join(', ')} of ${e.service} ready`;
    case 'deleteService': return `delete ${e.service}`;
  }
}
