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

/** Each endpoint's KUBE-SEP chain and the jump to it, built once although SVC, SVL and SEP rules all use them. */
function endpointJumps(sp: ServicePort): (ep: Endpoint) => Jump {
  const jumps = new Map<Endpoint, Jump>();
  return (ep) => {
    let jump = jumps.get(ep);
    if (jump === undefined) jumps.set(ep, (jump = { kind: 'jump', chain: endpointChain(sp, ep) }));
    return jump;
  };
}

/** SVC/SVL -> SEP rules: affinity checks first, then 1/n, 1/(n-1)… probabilities, the last unconditional. */
function endpointDispatch(sp: ServicePort, chain: string, eps: readonly Endpoint[], comments: boolean, jumpTo: ReturnType<typeof endpointJumps>, rules: Rule[]): void {
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
 * The per-service nat chains (SVC, SVL, EXT, FW, SEP) and their rules: what a partial sync may
 * leave out for unchanged services. `chains` lists them in kube-proxy's creation order.
 */
export function serviceChainRules(plan: ServicePlan, m: NodeModel, largeCluster: boolean): { chains: string[]; rules: Rule[] } {
  const { sp, chains: names } = plan;
  const chains: string[] = [];
  const rules: Rule[] = [];

  if (plan.hasInternal) {
    const base: Match[] = [{ kind: 'comment', text: `${sp.id} cluster IP` }, PROTO[sp.proto], { kind: 'dst', addr: sp.clusterIP }, { kind: 'dport', port: sp.port }];
    if (m.masqueradeAll) rules.push({ chain: plan.internalChain, matches: base, target: MASQ });
    else {
      const notLocal = detectorMatch(m.localDetector, false);
      if (notLocal) rules.push({ chain: plan.internalChain, matches: [...base, notLocal], target: MASQ });
    }
  }

  if (plan.usesExt) {
    chains.push(names.ext);
    if (!sp.externalPolicyLocal) {
      rules.push({ chain: names.ext, matches: [{ kind: 'comment', text: `masquerade traffic for ${sp.id} external destinations` }], target: MASQ });
    } else {
      const local = detectorMatch(m.localDetector, true);
      if (local) rules.push({ chain: names.ext, matches: [{ kind: 'comment', text: `pod traffic for ${sp.id} external destinations` }, local], target: { kind: 'jump', chain: names.svc } });
      rules.push({ chain: names.ext, matches: [{ kind: 'comment', text: `masquerade LOCAL traffic for ${sp.id} external destinations` }, { kind: 'addrtype', dir: 'src', type: 'LOCAL' }], target: MASQ });
      rules.push({ chain: names.ext, matches: [{ kind: 'comment', text: `route LOCAL traffic for ${sp.id} external destinations` }, { kind: 'addrtype', dir: 'src', type: 'LOCAL' }], target: { kind: 'jump', chain: names.svc } });
    }
    if (plan.hasExternal) rules.push({ chain: names.ext, matches: NO_MATCHES, target: { kind: 'jump', chain: plan.externalPolicyChain } });
  }

  if (plan.usesFw) {
    chains.push(names.fw);
    const comment: Match = { kind: 'comment', text: `${sp.id} loadbalancer IP` };
    const nodeIP = m.nodeIP ? parseIp(m.nodeIP) : undefined;
    let allowFromNode = false;
    for (const r of sp.sourceRanges) {
      rules.push({ chain: names.fw, matches: [comment, { kind: 'src', addr: r }], target: { kind: 'jump', chain: names.ext } });
      const c = parseCidr(r);
      if (c && nodeIP && cidrContains(c, nodeIP)) allowFromNode = true;
    }
    // A VIP bound locally loops node-originated requests back with the VIP as source.
    if (allowFromNode) for (const ip of sp.loadBalancerVIPs) rules.push({ chain: names.fw, matches: [comment, { kind: 'src', addr: ip }], target: { kind: 'jump', chain: names.ext } });
    rules.push({ chain: names.fw, matches: [{ kind: 'comment', text: `other traffic to ${sp.id} will be dropped by KUBE-PROXY-FIREWALL` }] });
  }

  const jumpTo = endpointJumps(sp);
  if (plan.usesClusterChain) {
    chains.push(names.svc);
    endpointDispatch(sp, names.svc, sp.clusterEndpoints, !largeCluster, jumpTo, rules);
  }
  if (plan.usesLocalChain) {
    chains.push(names.svl);
    endpointDispatch(sp, names.svl, sp.localEndpoints, !largeCluster, jumpTo, rules);
  }

  const proto = PROTO[sp.proto];
  const comment: Match | undefined = largeCluster ? undefined : { kind: 'comment', text: sp.id };
  // Without affinity every SEP chain of the service has the same DNAT match list.
  const dnatMatches: readonly Match[] = comment ? [comment, proto] : [proto];
  for (const ep of sp.reachableEndpoints) {
    const sep = jumpTo(ep).chain;
    chains.push(sep);
    const src: Match = { kind: 'src', addr: ep.ip };
    rules.push({ chain: sep, matches: comment ? [comment, src] : [src], target: MASQ });
    const recent: Match | undefined = sp.affinitySeconds > 0 ? { kind: 'recentSet', name: sep } : undefined;
    const matches = !recent ? dnatMatches : comment ? [comment, recent, proto] : [recent, proto];
    rules.push({ chain: sep, matches, target: { kind: 'DNAT', to: ep.hostPort } });
  }
  return { chains, rules };
}
