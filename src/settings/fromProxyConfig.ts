import { FieldReader } from '../k8s/fieldReader.js';
import type { RawObject } from '../input/rawObject.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { parseCidr, parseIp } from '../util/ip.js';
import { DETECT_LOCAL_MODES, IPVS_SCHEDULERS, KNOWN_GATES, lockedGateProblem, type NodeSettings } from './nodeSettings.js';
import { interfaceNameProblem } from './interfaceNameProblem.js';
import { dualStackProblem } from './dualStackProblem.js';
import { own } from '../util/own.js';
import { unknownFields, type Schema } from '../k8s/objectSchema.js';

type Writable<T> = { -readonly [K in keyof T]?: T[K] };

const SYNC = { syncPeriod: true, minSyncPeriod: true } as const;

/**
 * The fields of KubeProxyConfiguration v1alpha1 (Kubernetes 1.33), for telling a misspelt one,
 * with those of its sections: a slip there (`iptables.masqueradBit`) would otherwise leave a
 * setting at its default without a word. A few fields of neighbouring releases are known too, so
 * that a configuration written for one is not taken for misspelt. `logging.options` and the
 * `linux` / `windows` sections are known by name only.
 */
const KUBE_PROXY_CONFIGURATION: Schema = {
  apiVersion: true, kind: true, featureGates: true,
  clientConnection: { kubeconfig: true, acceptContentTypes: true, contentType: true, qps: true, burst: true },
  logging: { format: true, flushFrequency: true, verbosity: true, vmodule: true, options: true },
  hostnameOverride: true, bindAddress: true, healthzBindAddress: true, metricsBindAddress: true, bindAddressHardFail: true,
  enableProfiling: true, showHiddenMetricsForVersion: true, mode: true,
  iptables: { masqueradeBit: true, masqueradeAll: true, localhostNodePorts: true, snatNodeInternalIP: true, ...SYNC },
  ipvs: { ...SYNC, scheduler: true, excludeCIDRs: true, strictARP: true, tcpTimeout: true, tcpFinTimeout: true, udpTimeout: true },
  nftables: { masqueradeBit: true, masqueradeAll: true, ...SYNC },
  winkernel: { networkName: true, sourceVip: true, enableDSR: true, rootHnsEndpointName: true, forwardHealthCheckVip: true },
  detectLocalMode: true, detectLocal: { bridgeInterface: true, interfaceNamePrefix: true }, clusterCIDR: true,
  nodePortAddresses: true, oomScoreAdj: true,
  conntrack: { maxPerCore: true, min: true, tcpEstablishedTimeout: true, tcpCloseWaitTimeout: true, tcpBeLiberal: true, udpTimeout: true, udpStreamTimeout: true },
  configSyncPeriod: true, portRange: true, windowsRunAsService: true, linux: true, windows: true, masqueradeAll: true, ...SYNC,
};

/** The proxy modes kube-proxy on Linux accepts; empty means iptables. */
const MODES: readonly string[] = ['', 'iptables', 'ipvs', 'nftables'];

/**
 * Reads the node settings a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) sets.
 * `backend` is what the rules are compiled for: a `mode` naming another is warned about, since the
 * node runs what its configuration says.
 */
export function fromProxyConfig(raw: RawObject, backend?: string): { settings: Partial<NodeSettings>; diagnostics: Diagnostic[] } {
  const r = new FieldReader(raw, 'KubeProxyConfiguration');
  const s: Writable<NodeSettings> = {};
  const apiVersion = r.string(['apiVersion']);
  if (apiVersion !== undefined && apiVersion !== 'kubeproxy.config.k8s.io/v1alpha1') r.report('KPC041', ['apiVersion'], `must be kubeproxy.config.k8s.io/v1alpha1 (the only version kube-proxy reads), found ${JSON.stringify(apiVersion)}`);
  // kube-proxy falls back to lenient decoding when strict decoding fails, so an unknown field is ignored there too.
  for (const f of unknownFields(raw.value, KUBE_PROXY_CONFIGURATION)) {
    r.report('KPC042', f.path, `is not a field of KubeProxyConfiguration and is ignored${f.meant ? ` (did you mean ${f.meant}?)` : ''}`);
  }
  const proxyMode = r.string(['mode']);
  if (proxyMode !== undefined) {
    if (!MODES.includes(proxyMode)) r.report('KPC041', ['mode'], `must be iptables, ipvs, nftables or empty, found ${JSON.stringify(proxyMode)}`);
    else if (backend !== undefined && (proxyMode || 'iptables') !== backend) {
      const wanted = proxyMode || 'iptables';
      r.report('KPC042', ['mode'], wanted === 'nftables'
        ? `is nftables, which is not compiled yet: these are the ${backend} rules, not what this node programs`
        : `is ${wanted}, but these rules are compiled for --backend ${backend}: pass --backend ${wanted} to see what this node programs`);
    }
  }
  const host = r.string(['hostnameOverride']);
  if (host) s.nodeName = host.trim().toLowerCase();
  const bind = r.string(['bindAddress']);
  if (bind && bind !== '0.0.0.0' && bind !== '::') {
    if (!parseIp(bind)) r.report('KPC041', ['bindAddress'], `must be an IP address, found ${JSON.stringify(bind)}`);
    else s.nodeIPs = [bind];
  }
  const cc = r.string(['clusterCIDR']);
  if (cc) {
    const list = cc.split(',').map((x) => x.trim()).filter(Boolean);
    list.forEach((c) => { if (!parseCidr(c)) r.report('KPC041', ['clusterCIDR'], `${JSON.stringify(c)} is not a CIDR`); });
    const pair = dualStackProblem(list);
    if (pair) r.report('KPC041', ['clusterCIDR'], pair);
    s.clusterCIDRs = list;
  }
  const mode = r.string(['detectLocalMode']);
  if (mode) {
    if ((DETECT_LOCAL_MODES as readonly string[]).includes(mode)) s.detectLocalMode = mode as NodeSettings['detectLocalMode'];
    else r.report('KPC041', ['detectLocalMode'], `must be one of ${DETECT_LOCAL_MODES.join(', ')}, found ${JSON.stringify(mode)}`);
  }
  for (const [field, asPrefix] of [['bridgeInterface', false], ['interfaceNamePrefix', true]] as const) {
    const v = r.string(['detectLocal', field]);
    if (!v) continue;
    const problem = interfaceNameProblem(v, asPrefix);
    if (problem) r.report('KPC041', ['detectLocal', field], problem);
    else s[field] = v;
  }
  const ma = r.boolean(['iptables', 'masqueradeAll']) ?? r.boolean(['masqueradeAll']);
  if (ma !== undefined) s.masqueradeAll = ma;
  const bit = r.integer(['iptables', 'masqueradeBit']);
  if (bit !== undefined) {
    if (bit < 0 || bit > 31) r.report('KPC041', ['iptables', 'masqueradeBit'], `must be between 0 and 31, found ${bit}`);
    else s.masqueradeBit = bit;
  }
  const lnp = r.boolean(['iptables', 'localhostNodePorts']);
  if (lnp !== undefined) s.localhostNodePorts = lnp;
  // kube-proxy sets nf_conntrack_tcp_be_liberal when told to, and then writes no INVALID drop
  // rule; false leaves the sysctl as it is (which --conntrack-tcp-be-liberal describes).
  if (r.boolean(['conntrack', 'tcpBeLiberal']) === true) s.conntrackTCPBeLiberal = true;
  const npa = r.list(['nodePortAddresses']).map((_, i) => r.string(['nodePortAddresses', i], true)).filter((x): x is string => x !== undefined);
  if (npa.length) {
    // As kube-proxy's validation: "primary" stands alone; anything else is a CIDR.
    npa.forEach((c, i) => {
      if (c === 'primary') { if (npa.length > 1) r.report('KPC041', ['nodePortAddresses', i], '"primary" cannot be combined with CIDRs: give "primary" alone, or CIDRs'); }
      else if (!parseCidr(c)) r.report('KPC041', ['nodePortAddresses', i], `${JSON.stringify(c)} is not a CIDR or "primary"`);
    });
    s.nodePortAddresses = npa;
  }
  // Not used for rules (kube-proxy keeps these virtual servers on cleanup), but a config kube-proxy refuses.
  r.list(['ipvs', 'excludeCIDRs']).forEach((_, i) => {
    const c = r.string(['ipvs', 'excludeCIDRs', i], true);
    if (c !== undefined && !parseCidr(c)) r.report('KPC041', ['ipvs', 'excludeCIDRs', i], `${JSON.stringify(c)} is not a CIDR`);
  });
  const scheduler = r.string(['ipvs', 'scheduler']);
  if (scheduler) {
    if (IPVS_SCHEDULERS.includes(scheduler)) s.ipvsScheduler = scheduler;
    else r.report('KPC041', ['ipvs', 'scheduler'], `must be an IPVS scheduler (${IPVS_SCHEDULERS.join(', ')}), found ${JSON.stringify(scheduler)}`);
  }
  const gates = r.mapping(['featureGates']);
  if (gates) {
    const fg: Record<string, boolean> = {};
    for (const [k, v] of Object.entries(gates)) {
      if (typeof v !== 'boolean') r.report('KPC041', ['featureGates', k], 'must be true or false');
      else {
        fg[k] = v;
        const locked = lockedGateProblem(k, v);
        if (locked) r.report('KPC043', ['featureGates', k], locked);
        // Other gates are kube-proxy's business (a config may list many); none of them changes these rules.
        if (own(KNOWN_GATES, k) === undefined) r.report('KPC042', ['featureGates', k], `is not a gate the compiled rules depend on (${Object.keys(KNOWN_GATES).join(', ')}) and is ignored`);
      }
    }
    s.featureGates = fg;
  }
  return { settings: s, diagnostics: r.diagnostics };
}
