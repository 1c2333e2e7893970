import type { Match, Rule } from '../../ir/iptables.js';
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

/** SVC/SVL -> SEP rules: affinity checks first, then 1/n, 1/(n-1)… probabilities, the last unconditional. */
function endpointDispatch(sp: ServicePlan['sp'], chain: string, eps: readonly Endpoint[], comments: boolean): Rule[] {
  const rules: Rule[] = [];
  const comment = (ep: Endpoint): Match[] => (comments ? [{ kind: 'comment', text: `${sp.id} -> ${ep.hostPort}` }] : []);
  if (sp.affinitySeconds > 0) {
    for (const ep of eps) {
      const sep = endpointChain(sp, ep);
      rules.push({ chain, matches: [...comment(ep), { kind: 'recentCheck', name: sep, seconds: sp.affinitySeconds }], target: { kind: 'jump', chain: sep } });
    }
  }
  eps.forEach((ep, i) => {
    const ms = comment(ep);
    if (i < eps.length - 1) ms.push({ kind: 'statistic', probability: probability(eps.length - i) });
    rules.push({ chain, matches: ms, target: { kind: 'jump', chain: endpointChain(sp, ep) } });
  });
  return rules;
}

/**
 * The per-service nat chains (SVC, SVL, EXT, FW, SEP) and their rules: what a partial sync may
 * leave out for unchanged services. `chains` lists them in kube-proxy's creation order.
 */
export function serviceChainRules(plan: ServicePlan, m: NodeModel, largeCluster: boolean): { chains: string[]; rules: Rule[] } {
  const { sp, chains: names } = plan;
  const chains: string[] = [];
  const rules: Rule[] = [];
  const masq = { kind: 'jump', chain: 'KUBE-MARK-MASQ' } as const;

  if (plan.hasInternal) {
    const base: Match[] = [{ kind: 'comment', text: `${sp.id} cluster IP` }, { kind: 'proto', proto: sp.proto }, { kind: 'dst', addr: sp.clusterIP }, { kind: 'dport', port: sp.port }];
    if (m.masqueradeAll) rules.push({ chain: plan.internalChain, matches: base, target: masq });
    else {
      const notLocal = detectorMatch(m.localDetector, false);
      if (notLocal) rules.push({ chain: plan.internalChain, matches: [...base, notLocal], target: masq });
    }
  }

  if (plan.usesExt) {
    chains.push(names.ext);
    if (!sp.externalPolicyLocal) {
      rules.push({ chain: names.ext, matches: [{ kind: 'comment', text: `masquerade traffic for ${sp.id} external destinations` }], target: masq });
    } else {
      const local = detectorMatch(m.localDetector, true);
      if (local) rules.push({ chain: names.ext, matches: [{ kind: 'comment', text: `pod traffic for ${sp.id} external destinations` }, local], target: { kind: 'jump', chain: names.svc } });
      rules.push({ chain: names.ext, matches: [{ kind: 'comment', text: `masquerade LOCAL traffic for ${sp.id} external destinations` }, { kind: 'addrtype', dir: 'src', type: 'LOCAL' }], target: masq });
      rules.push({ chain: names.ext, matches: [{ kind: 'comment', text: `route LOCAL traffic for ${sp.id} external destinations` }, { kind: 'addrtype', dir: 'src', type: 'LOCAL' }], target: { kind: 'jump', chain: names.svc } });
    }
    if (plan.hasExternal) rules.push({ chain: names.ext, matches: [], target: { kind: 'jump', chain: plan.externalPolicyChain } });
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

  if (plan.usesClusterChain) {
    chains.push(names.svc);
    rules.push(...endpointDispatch(sp, names.svc, sp.clusterEndpoints, !largeCluster));
  }
  if (plan.usesLocalChain) {
    chains.push(names.svl);
    rules.push(...endpointDispatch(sp, names.svl, sp.localEndpoints, !largeCluster));
  }

  for (const ep of sp.reachableEndpoints) {
    const sep = endpointChain(sp, ep);
    chains.push(sep);
    const comment: Match[] = largeCluster ? [] : [{ kind: 'comment', text: sp.id }];
    rules.push({ chain: sep, matches: [...comment, { kind: 'src', addr: ep.ip }], target: masq });
    const affinity: Match[] = sp.affinitySeconds > 0 ? [{ kind: 'recentSet', name: sep }] : [];
    rules.push({ chain: sep, matches: [...comment, ...affinity, { kind: 'proto', proto: sp.proto }], target: { kind: 'DNAT', to: ep.hostPort } });
  }
  return { chains, rules };
}
