import type { Ipset, VirtualServer } from '../ir/ipvs.js';
import { diffStates, type Change } from './diffStates.js';
import type { RuleState } from './ruleState.js';

/** What one side of an IPVS comparison holds; a dump may carry only some parts. */
export interface IpvsSide {
  readonly servers?: readonly VirtualServer[];
  readonly sets?: readonly Ipset[];
  readonly iptables?: RuleState;
}

/** One typed IPVS difference. Schema `kproxy-compile/diff-ipvs/v1` (docs/diff.md). */
export type IpvsChange =
  | { readonly type: 'virtual-server-added' | 'virtual-server-removed'; readonly service: string }
  | { readonly type: 'virtual-server-changed'; readonly service: string; readonly field: 'scheduler' | 'persistence' | 'sourceHash'; readonly old: string; readonly new: string }
  | { readonly type: 'real-server-added' | 'real-server-removed'; readonly service: string; readonly realServer: string }
  | { readonly type: 'real-server-changed'; readonly service: string; readonly realServer: string; readonly field: 'weight' | 'forwarding'; readonly old: string; readonly new: string }
  | { readonly type: 'ipset-added' | 'ipset-removed'; readonly set: string }
  | { readonly type: 'ipset-entry-added' | 'ipset-entry-removed'; readonly set: string; readonly entry: string }
  | Change;

const hp = (a: string, p: number) => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
const key = (vs: VirtualServer) => `${vs.protocol} ${hp(vs.address, vs.port)}`;

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares virtual servers, real servers, ipset members and (where both sides have them) iptables rules. */
export function diffIpvs(a: IpvsSide, b: IpvsSide): IpvsChange[] {
  const out: IpvsChange[] = [];
  if (a.servers && b.servers) {
    const A = new Map(a.servers.map((v) => [key(v), v]));
    const B = new Map(b.servers.map((v) => [key(v), v]));
    for (const k of [...new Set([...A.keys(), ...B.keys()])].sort(byKey)) {
      const x = A.get(k);
      const y = B.get(k);
      if (!x) out.push({ type: 'virtual-server-added', service: k });
      else if (!y) out.push({ type: 'virtual-server-removed', service: k });
      else {
        for (const field of ['scheduler', 'persistence', 'sourceHash'] as const) {
          if (x[field] !== y[field]) out.push({ type: 'virtual-server-changed', service: k, field, old: String(x[field]), new: String(y[field]) });
        }
      }
      const rx = new Map((x?.realServers ?? []).map((r) => [hp(r.address, r.port), r]));
      const ry = new Map((y?.realServers ?? []).map((r) => [hp(r.address, r.port), r]));
      for (const r of [...rx.keys()].filter((r) => !ry.has(r)).sort(byKey)) out.push({ type: 'real-server-removed', service: k, realServer: r });
      for (const r of [...ry.keys()].filter((r) => !rx.has(r)).sort(byKey)) out.push({ type: 'real-server-added', service: k, realServer: r });
      for (const r of [...rx.keys()].filter((r) => ry.has(r)).sort(byKey)) {
        const [p, q] = [rx.get(r)!, ry.get(r)!];
        // A weight of 0 takes the server out of rotation without removing it.
        if (p.weight !== q.weight) out.push({ type: 'real-server-changed', service: k, realServer: r, field: 'weight', old: String(p.weight), new: String(q.weight) });
        const [f, g] = [p.forwarding ?? '-m', q.forwarding ?? '-m'];
        if (f !== g) out.push({ type: 'real-server-changed', service: k, realServer: r, field: 'forwarding', old: f, new: g });
      }
    }
  }
  if (a.sets && b.sets) {
    const A = new Map(a.sets.map((s) => [s.name, s]));
    const B = new Map(b.sets.map((s) => [s.name, s]));
    for (const name of [...new Set([...A.keys(), ...B.keys()])].sort(byKey)) {
      if (!A.has(name)) out.push({ type: 'ipset-added', set: name });
      if (!B.has(name)) out.push({ type: 'ipset-removed', set: name });
      const ex = new Set(A.get(name)?.entries ?? []);
      const ey = new Set(B.get(name)?.entries ?? []);
      for (const e of [...ex].filter((e) => !ey.has(e)).sort(byKey)) out.push({ type: 'ipset-entry-removed', set: name, entry: e });
      for (const e of [...ey].filter((e) => !ex.has(e)).sort(byKey)) out.push({ type: 'ipset-entry-added', set: name, entry: e });
    }
  }
  if (a.iptables && b.iptables) out.push(...diffStates(a.iptables, b.iptables).changes);
  return out;
}
