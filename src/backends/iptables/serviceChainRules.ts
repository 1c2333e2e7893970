import type { Match, Rule, Target } from '../../ir/iptables.js';
import type { Endpoint, LocalDetector, NodeModel, ServicePort } from '../../model/types.js';
import { cidrContains, parseCidr, parseIp } from '../../util/ip.js';
import { endpointChain } from './chainNames.js';
import { probability } from './probability.js';
import type { ServicePlan } from './serviceEntryRules.js';

/** `-s cidr` / `-i iface` with the detector's sense; undefined for the no-op detector. */
function detectorMatch(d: LocalDetector, local: boolean): Match | undefined {
  if (d.kind === 'cidr') return { kind: 'src', addr: d.cidr, negate: !local };
  if (d.kind === 'interface') return { kind: 'inIface', name: d.name, negate: !local };
  return undefined;
}

const MASQ: Target = { kind: 'jump', chain: 'KUBE-MARK-MASQ' };
// IR values are immutable, so rules share these instead of each allocating its own copy: a large
// cluster has hundreds of thousands of rules, and every object they hold costs garbage-collector time.
const PROTO: Readonly<Record<ServicePort['proto'], Match>> = {
  tcp: { kind: 'proto', proto: 'tcp' },
  udp: { kind: 'proto', proto: 'udp' },
  sctp: { kind: 'proto', proto: 'sctp' },
};
const NO_MATCHES: readonly Match[] = [];
/** The statistic match for 1/n, by n. */
const statistics: Match[] = [];
/** `[statistic 1/n]`, the whole match list of an uncommented dispatch rule, by n. */
const statisticOnly: (readonly Match[])[] = [];

function statistic(n: number): Match {
  return (statistics[n] ??= { kind: 'statistic', probability: probability(n) });
}

type Jump = Extract<Target, { readonly kind: 'jump' }>;

/** SVC/SVL -> SEP rules: affinity checks first, then 1/n, 1/(n-1)… probabilities, the last unconditional. */
function endpointDispatch(sp: ServicePort, chain: string, eps: readonly Endpoint[], comments: boolean, jumpTo: (ep: Endpoint) => Jump, rules: Rule[]): void {
  const comment = (ep: Endpoint): Match => ({ kind: 'comment', text: `${sp.id} -> ${ep.hostPort}` });
  if (sp.affinitySeconds > 0) {
    for (const ep of eps) {
      const target = jumpTo(ep);
      const check: Match = { kind: 'recentCheck', name: target.chain, seconds: sp.affinitySeconds };
      rules.push({ chain, matches: comments ? [comment(ep), check] : [check], target });
    }
  }
  for (let i = 0; i < eps.length; i++) {
    const ep = eps[i];
    const left = eps.length - i;
    let matches: readonly Match[];
    if (comments) matches = left > 1 ? [comment(ep), statistic(left)] : [comment(ep)];
    else if (left > 1) matches = statisticOnly[left] ??= [statistic(left)];
    else matches = NO_MATCHES;
    rules.push({ chain, matches, target: jumpTo(ep) });
  }
}

/**
 * A service port's own nat chains (EXT, FW, SVC, SVL, then one SEP per reachable endpoint, in
 * that endpoint order): what a partial sync may leave out for unchanged services. Each can be
 * lowered on its own (ownChainRules), so a writer can produce them in any order.
 */
export function ownChainNames(plan: ServicePlan): string[] {
  const { sp, chains: names } = plan;
  const chains: string[] = [];
  if (plan.usesExt) chains.push(names.ext);
  if (plan.usesFw) chains.push(names.fw);
  if (plan.usesClusterChain) chains.push(names.svc);
  if (plan.usesLocalChain) chains.push(names.svl);
  // The cluster-IP masquerade rule lives in the internal chain: that chain has to be one of these.
  if (plan.hasInternal && !chains.includes(plan.internalChain)) throw new Error(`${sp.id}: internal chain ${plan.internalChain} is not created`);
  for (const ep of sp.reachableEndpoints) chains.push(endpointChain(sp, ep));
  return chains;
}

/** Above this many endpoints, finding an endpoint's SEP chain takes a map instead of a scan. */
const SCAN_MAX = 16;

/**
 * The jump to each endpoint's SEP chain, taken from `chains` (ownChainNames' list) where the
 * endpoint is reachable. kube-proxy only dispatches to reachable endpoints; the fallback keeps
 * the name right regardless.
 */
function jumpsFrom(sp: ServicePort, chains: readonly string[]): (ep: Endpoint) => Jump {
  const reachable = sp.reachableEndpoints;
  const first = chains.length - reachable.length;
  const index = reachable.length > SCAN_MAX ? new Map(reachable.map((ep, k) => [ep, k])) : undefined;
  return (ep) => {
    const k = index ? (index.get(ep) ?? -1) : reachable.indexOf(ep);
    return { kind: 'jump', chain: k >= 0 ? chains[first + k] : endpointChain(sp, ep) };
  };
}

/**
 * Appends to `rules` the rules of `chains[i]`, one of the service port's own chains as
 * ownChainNames lists them, in kube-proxy's order within that chain.
 */
export function ownChainRules(plan: ServicePlan, chains: readonly string[], i: number, m: NodeModel, largeCluster: boolean, rules: Rule[]): void {
  const { sp, chains: names } = plan;
  const chain = chains[i];
  const firstSep = chains.length - sp.reachableEndpoints.length;
  if (i >= firstSep) {
    sepRules(sp, chain, sp.reachableEndpoints[i - firstSep], largeCluster, rules);
    return;
  }
  if (plan.hasInternal && chain === plan.internalChain) {
    const base: Match[] = [{ kind: 'comment', text: `${sp.id} cluster IP` }, PROTO[sp.proto], { kind: 'dst', addr: sp.clusterIP }, { kind: 'dport', port: sp.port }];
    if (m.masqueradeAll) rules.push({ chain, matches: base, target: MASQ });
    else {
      const notLocal = detectorMatch(m.localDetector, false);
      if (notLocal) rules.push({ chain, matches: [...base, notLocal], target: MASQ });
    }
  }
  if (chain === names.ext) extRules(plan, m, rules);
  else if (chain === names.fw) fwRules(plan, m, rules);
  else if (chain === names.svc) endpointDispatch(sp, chain, sp.clusterEndpoints, !largeCluster, jumpsFrom(sp, chains), rules);
  else endpointDispatch(sp, chain, sp.localEndpoints, !largeCluster, jumpsFrom(sp, chains), rules);
}

function extRules(plan: ServicePlan, m: NodeModel, rules: Rule[]): void {
  const { sp, chains: names } = plan;
  const chain = names.ext;
  if (!sp.externalPolicyLocal) {
    rules.push({ chain, matches: [{ kind: 'comment', text: `masquerade traffic for ${sp.id} external destinations` }], target: MASQ });
  } else {
    const local = detectorMatch(m.localDetector, true);
    if (local) rules.push({ chain, matches: [{ kind: 'comment', text: `pod traffic for ${sp.id} external destinations` }, local], target: { kind: 'jump', chain: names.svc } });
    rules.push({ chain, matches: [{ kind: 'comment', text: `masquerade LOCAL traffic for ${sp.id} external destinations` }, { kind: 'addrtype', dir: 'src', type: 'LOCAL' }], target: MASQ });
    rules.push({ chain, matches: [{ kind: 'comment', text: `route LOCAL traffic for ${sp.id} external destinations` }, { kind: 'addrtype', dir: 'src', type: 'LOCAL' }], target: { kind: 'jump', chain: names.svc } });
  }
  if (plan.hasExternal) rules.push({ chain, matches: NO_MATCHES, target: { kind: 'jump', chain: plan.externalPolicyChain } });
}

function fwRules(plan: ServicePlan, m: NodeModel, rules: Rule[]): void {
  const { sp, chains: names } = plan;
  const chain = names.fw;
  const comment: Match = { kind: 'comment', text: `${sp.id} loadbalancer IP` };
  const nodeIP = m.nodeIP ? parseIp(m.nodeIP) : undefined;
  let allowFromNode = false;
  for (const r of sp.sourceRanges) {
    rules.push({ chain, matches: [comment, { kind: 'src', addr: r }], target: { kind: 'jump', chain: names.ext } });
    const c = parseCidr(r);
    if (c && nodeIP && cidrContains(c, nodeIP)) allowFromNode = true;
  }
  // A VIP bound locally loops node-originated requests back with the VIP as source.
  if (allowFromNode) for (const ip of sp.loadBalancerVIPs) rules.push({ chain, matches: [comment, { kind: 'src', addr: ip }], target: { kind: 'jump', chain: names.ext } });
  rules.push({ chain, matches: [{ kind: 'comment', text: `other traffic to ${sp.id} will be dropped by KUBE-PROXY-FIREWALL` }] });
}

/** Comment and protocol match lists of SEP rules, per service port: every SEP chain of a port without affinity shares them. */
const sepMatchCache = new WeakMap<ServicePort, { readonly comment?: Match; readonly dnat: readonly Match[] }>();

function sepRules(sp: ServicePort, chain: string, ep: Endpoint, largeCluster: boolean, rules: Rule[]): void {
  let shared = sepMatchCache.get(sp);
  if (!shared || (shared.comment === undefined) !== largeCluster) {
    const comment: Match | undefined = largeCluster ? undefined : { kind: 'comment', text: sp.id };
    shared = { comment, dnat: comment ? [comment, PROTO[sp.proto]] : [PROTO[sp.proto]] };
    sepMatchCache.set(sp, shared);
  }
  const { comment } = shared;
  const proto = PROTO[sp.proto];
  const src: Match = { kind: 'src', addr: ep.ip };
  rules.push({ chain, matches: comment ? [comment, src] : [src], target: MASQ });
  const recent: Match | undefined = sp.affinitySeconds > 0 ? { kind: 'recentSet', name: chain } : undefined;
  const matches = !recent ? shared.dnat : comment ? [comment, recent, proto] : [recent, proto];
  rules.push({ chain, matches, target: { kind: 'DNAT', to: ep.hostPort } });
}

/** All of a service port's own chains (see ownChainNames) and their rules, chain by chain. */
export function serviceChainRules(plan: ServicePlan, m: NodeModel, largeCluster: boolean): { chains: string[]; rules: Rule[] } {
  const chains = ownChainNames(plan);
  const rules: Rule[] = [];
  for (let i = 0; i < chains.length; i++) ownChainRules(plan, chains, i, m, largeCluster, rules);
  return { chains, rules };
}
