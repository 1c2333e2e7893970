import type { Match, Rule, Target } from '../../ir/iptables.js';
import type { NodeModel, ServicePort } from '../../model/types.js';
import { NFACCT_LOCALHOST_NODEPORTS } from '../../settings/nodeSettings.js';
import { serviceChains } from './chainNames.js';

/** The per-service facts every rule writer needs, derived once (kube-proxy's local variables). */
export interface ServicePlan {
  readonly sp: ServicePort;
  readonly chains: ReturnType<typeof serviceChains>;
  readonly internalChain: string;
  readonly hasInternal: boolean;
  readonly externalPolicyChain: string;
  readonly hasExternal: boolean;
  readonly usesExt: boolean;
  readonly usesFw: boolean;
  readonly usesClusterChain: boolean;
  readonly usesLocalChain: boolean;
  readonly internalFilter?: { readonly target: 'REJECT' | 'DROP'; readonly comment: string };
  readonly externalFilter?: { readonly target: 'REJECT' | 'DROP'; readonly comment: string };
}

export function planService(sp: ServicePort): ServicePlan {
  const chains = serviceChains(sp);
  const hasInternal = sp.hasEndpoints && (!sp.internalPolicyLocal || sp.localEndpoints.length > 0);
  const hasExternal = sp.hasEndpoints && (!sp.externalPolicyLocal || sp.localEndpoints.length > 0);
  const noEndpoints = { target: 'REJECT' as const, comment: `${sp.id} has no endpoints` };
  const noLocal = { target: 'DROP' as const, comment: `${sp.id} has no local endpoints` };
  return {
    sp,
    chains,
    internalChain: sp.internalPolicyLocal ? chains.svl : chains.svc,
    hasInternal,
    externalPolicyChain: sp.externalPolicyLocal ? chains.svl : chains.svc,
    hasExternal,
    usesExt: sp.hasEndpoints && sp.externallyAccessible,
    usesFw: sp.hasEndpoints && sp.loadBalancerVIPs.length > 0 && sp.sourceRanges.length > 0,
    usesClusterChain: sp.clusterEndpoints.length > 0 && sp.usesClusterEndpoints,
    usesLocalChain: sp.localEndpoints.length > 0 && sp.usesLocalEndpoints,
    internalFilter: !sp.hasEndpoints ? noEndpoints : !hasInternal ? noLocal : undefined,
    externalFilter: !sp.hasEndpoints ? noEndpoints : !hasExternal ? noLocal : undefined,
  };
}

function portMatch(comment: string, sp: ServicePort, addr: string | undefined, port: number): Match[] {
  const ms: Match[] = [{ kind: 'comment', text: comment }, { kind: 'proto', proto: sp.proto }];
  if (addr !== undefined) ms.push({ kind: 'dst', addr });
  ms.push({ kind: 'dport', port });
  return ms;
}

const jump = (chain: string): Target => ({ kind: 'jump', chain });

/**
 * The rules that send traffic for a service port's addresses into its chains (nat KUBE-SERVICES,
 * KUBE-NODEPORTS) or reject/drop it (filter): written on every sync, partial or full.
 */
export function serviceEntryRules(plan: ServicePlan, m: NodeModel): { filter: Rule[]; nat: Rule[] } {
  const { sp, chains } = plan;
  const filter: Rule[] = [];
  const nat: Rule[] = [];
  const lbTarget = plan.usesFw ? chains.fw : chains.ext;

  if (plan.hasInternal) nat.push({ chain: 'KUBE-SERVICES', matches: portMatch(`${sp.id} cluster IP`, sp, sp.clusterIP, sp.port), target: jump(plan.internalChain) });
  else if (plan.internalFilter) filter.push({ chain: 'KUBE-SERVICES', matches: portMatch(plan.internalFilter.comment, sp, sp.clusterIP, sp.port), target: { kind: plan.internalFilter.target } });

  for (const ip of sp.externalIPs) {
    if (sp.hasEndpoints) nat.push({ chain: 'KUBE-SERVICES', matches: portMatch(`${sp.id} external IP`, sp, ip, sp.port), target: jump(chains.ext) });
    if (plan.externalFilter) filter.push({ chain: 'KUBE-EXTERNAL-SERVICES', matches: portMatch(plan.externalFilter.comment, sp, ip, sp.port), target: { kind: plan.externalFilter.target } });
  }

  for (const ip of sp.loadBalancerVIPs) {
    if (sp.hasEndpoints) nat.push({ chain: 'KUBE-SERVICES', matches: portMatch(`${sp.id} loadbalancer IP`, sp, ip, sp.port), target: jump(lbTarget) });
    if (plan.usesFw) filter.push({ chain: 'KUBE-PROXY-FIREWALL', matches: portMatch(`${sp.id} traffic not accepted by ${chains.fw}`, sp, ip, sp.port), target: { kind: 'DROP' } });
  }
  if (plan.externalFilter) {
    for (const ip of sp.loadBalancerVIPs) filter.push({ chain: 'KUBE-EXTERNAL-SERVICES', matches: portMatch(plan.externalFilter.comment, sp, ip, sp.port), target: { kind: plan.externalFilter.target } });
  }

  if (sp.nodePort !== 0) {
    if (sp.hasEndpoints) {
      if (m.localhostNodePorts && m.family === 'IPv4' && m.nfacctCounters.includes(NFACCT_LOCALHOST_NODEPORTS)) {
        nat.push({
          chain: 'KUBE-NODEPORTS',
          matches: [...portMatch(sp.id, sp, '127.0.0.0/8', sp.nodePort), { kind: 'nfacct', name: NFACCT_LOCALHOST_NODEPORTS }],
          target: jump(chains.ext),
        });
      }
      nat.push({ chain: 'KUBE-NODEPORTS', matches: portMatch(sp.id, sp, undefined, sp.nodePort), target: jump(chains.ext) });
    }
    if (plan.externalFilter) {
      filter.push({
        chain: 'KUBE-EXTERNAL-SERVICES',
        matches: [{ kind: 'comment', text: plan.externalFilter.comment }, { kind: 'addrtype', dir: 'dst', type: 'LOCAL' }, { kind: 'proto', proto: sp.proto }, { kind: 'dport', port: sp.nodePort }],
        target: { kind: plan.externalFilter.target },
      });
    }
  }

  if (sp.healthCheckNodePort !== 0) {
    filter.push({
      chain: 'KUBE-NODEPORTS',
      matches: [{ kind: 'comment', text: `${sp.id} health check node port` }, { kind: 'proto', proto: 'tcp' }, { kind: 'dport', port: sp.healthCheckNodePort }],
      target: { kind: 'ACCEPT' },
    });
  }
  return { filter, nat };
}
