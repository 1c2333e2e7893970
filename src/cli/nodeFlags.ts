import { Command } from 'commander';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { DETECT_LOCAL_MODES, IPVS_SCHEDULERS, KNOWN_GATES, lockedGateProblem, NFACCT_INVALID, NFACCT_LOCALHOST_NODEPORTS, type NodeSettings } from '../settings/nodeSettings.js';
import { parseCidr, parseIp } from '../util/ip.js';
import { interfaceNameProblem } from '../settings/interfaceNameProblem.js';
import { dualStackProblem } from '../settings/dualStackProblem.js';
import { own } from '../util/own.js';

/** Boolean flags that also accept kube-proxy's `--flag=true|false` spelling. */
export const BOOLEAN_FLAGS = ['masquerade-all', 'iptables-localhost-nodeports', 'random-fully', 'conntrack-tcp-be-liberal'] as const;

/** Adds kube-proxy's node-setting flags to a command. */
export function addNodeFlags(cmd: Command): Command {
  const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];
  return cmd
    .option('--config <file>', 'a KubeProxyConfiguration file (or the kube-proxy ConfigMap); flags override it')
    .option('--hostname-override <name>', 'the node name: endpoints with this nodeName are local')
    .option('--node-name <name>', 'alias of --hostname-override')
    .option('--node-ip <ip>', 'primary node IP (repeat for dual stack)', collect)
    .option('--node-addresses <list>', 'all local interface addresses, comma-separated (default: node IPs and loopback)')
    .option('--cluster-cidr <list>', 'pod network CIDRs, comma-separated')
    .option('--detect-local-mode <mode>', `how pod traffic is recognised: ${DETECT_LOCAL_MODES.join('|')}`)
    .option('--pod-cidr <list>', "the node's pod CIDRs for --detect-local-mode NodeCIDR (default: from a Node object)")
    .option('--pod-bridge-interface <name>', 'bridge for --detect-local-mode BridgeInterface')
    .option('--pod-interface-name-prefix <prefix>', 'interface prefix for --detect-local-mode InterfaceNamePrefix')
    .option('--masquerade-all', 'SNAT all traffic sent to cluster IPs')
    .option('--no-masquerade-all', 'do not SNAT all cluster-IP traffic (the default)')
    .option('--iptables-masquerade-bit <n>', 'fwmark bit for SNAT (0-31, default 14)')
    .option('--nodeport-addresses <list>', "CIDRs that accept node ports, comma-separated, or 'primary'")
    .option('--iptables-localhost-nodeports', 'accept node ports on 127.0.0.1 (the default)')
    .option('--no-iptables-localhost-nodeports', 'do not accept node ports on localhost')
    .option('--node-labels <list>', 'node labels k=v,... (topology.kubernetes.io/zone selects topology hints)')
    .option('--feature-gates <list>', 'feature gates K=true|false,...')
    .option('--random-fully', 'the node iptables supports MASQUERADE --random-fully')
    .option('--no-random-fully', 'the node iptables lacks --random-fully (the default)')
    .option('--nfacct-counters <list>', "nfacct counters present on the node, comma-separated, or 'none' (default: both kube-proxy uses)")
    .option('--ipvs-scheduler <name>', 'IPVS scheduler: rr (default), wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos')
    .option('--conntrack-tcp-be-liberal', 'the kernel has nf_conntrack_tcp_be_liberal set (no INVALID drop rule)')
    .option('--no-conntrack-tcp-be-liberal', 'nf_conntrack_tcp_be_liberal is not set (the default)');
}

/** Rewrites `--flag=true|false` for boolean flags into `--flag` / `--no-flag`; other values are errors. */
export function normaliseBooleanFlags(argv: readonly string[]): { argv: string[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const out = argv.map((a) => {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m || !(BOOLEAN_FLAGS as readonly string[]).includes(m[1])) return a;
    if (m[2] === 'true') return `--${m[1]}`;
    if (m[2] === 'false') return `--no-${m[1]}`;
    diagnostics.push(diag('KPC040', `--${m[1]} takes true or false, found ${JSON.stringify(m[2])}`, { file: '<flags>' }));
    return a;
  });
  return { argv: out, diagnostics };
}

const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);

/** Turns parsed option values into node settings; only flags actually given appear. */
export function settingsFromFlags(o: Record<string, unknown>): { settings: Partial<NodeSettings>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const bad = (flag: string, msg: string) => diagnostics.push(diag('KPC040', `--${flag}: ${msg}`, { file: '<flags>' }));
  const s: { -readonly [K in keyof NodeSettings]?: NodeSettings[K] } = {};
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);

  const host = str('hostnameOverride');
  const alias = str('nodeName');
  // Aliases of one setting: two different values leave unclear which node is meant.
  if (host !== undefined && alias !== undefined && host.trim().toLowerCase() !== alias.trim().toLowerCase()) bad('node-name', `is ${JSON.stringify(alias)} but --hostname-override is ${JSON.stringify(host)}: they name the same setting, give one`);
  const name = host ?? alias;
  if (name !== undefined && name.trim() === '') bad(str('hostnameOverride') !== undefined ? 'hostname-override' : 'node-name', 'must name the node, found an empty value');
  else if (name !== undefined) s.nodeName = name.trim().toLowerCase();
  if (Array.isArray(o.nodeIp)) {
    const ips = (o.nodeIp as string[]).flatMap(list);
    if (ips.length === 0) bad('node-ip', 'must name an IP address, found an empty value');
    ips.forEach((ip) => { if (!parseIp(ip)) bad('node-ip', `${JSON.stringify(ip)} is not an IP address`); });
    // One primary address per family (as kubelet's --node-ip): a second of one family would not
    // be primary, and the node's other addresses have their own flag.
    for (const family of [4, 6] as const) {
      const same = ips.filter((ip) => parseIp(ip)?.family === family);
      if (same.length > 1) bad('node-ip', `gives ${same.length} IPv${family} addresses (${same.join(', ')}): the node has one primary IP per family, so give at most one of each (list all its addresses with --node-addresses)`);
    }
    s.nodeIPs = ips;
  }
  const addrs = str('nodeAddresses');
  if (addrs !== undefined) {
    // Interface addresses may be written with their prefix (192.168.0.2/24); only the address counts.
    // An empty list is meaningful (a node without addresses); leaving the flag out means node IPs and loopback.
    const ips = list(addrs).map((a) => a.split('/')[0]);
    ips.forEach((ip) => { if (!parseIp(ip)) bad('node-addresses', `${JSON.stringify(ip)} is not an IP address`); });
    s.nodeAddresses = ips;
  }
  const cidrList = (flag: string, key: string): string[] | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    const l = list(v);
    l.forEach((c) => { if (!parseCidr(c)) bad(flag, `${JSON.stringify(c)} is not a CIDR`); });
    return l;
  };
  const cc = cidrList('cluster-cidr', 'clusterCidr');
  if (cc) {
    const pair = dualStackProblem(cc);
    if (pair) bad('cluster-cidr', pair);
    s.clusterCIDRs = cc;
  }
  const pc = cidrList('pod-cidr', 'podCidr');
  if (pc) s.podCIDRs = pc;
  const mode = str('detectLocalMode');
  if (mode !== undefined) {
    if ((DETECT_LOCAL_MODES as readonly string[]).includes(mode)) s.detectLocalMode = mode as NodeSettings['detectLocalMode'];
    else bad('detect-local-mode', `must be one of ${DETECT_LOCAL_MODES.join(', ')}, found ${JSON.stringify(mode)}`);
  }
  for (const [key, flag, field, asPrefix] of [['podBridgeInterface', 'pod-bridge-interface', 'bridgeInterface', false], ['podInterfaceNamePrefix', 'pod-interface-name-prefix', 'interfaceNamePrefix', true]] as const) {
    const v = str(key);
    if (v === undefined) continue;
    const problem = interfaceNameProblem(v, asPrefix);
    if (problem) bad(flag, problem);
    else s[field] = v;
  }
  if (typeof o.masqueradeAll === 'boolean') s.masqueradeAll = o.masqueradeAll;
  const bit = str('iptablesMasqueradeBit');
  if (bit !== undefined) {
    if (!/^[0-9]+$/.test(bit) || Number(bit) > 31) bad('iptables-masquerade-bit', `must be a whole number from 0 to 31, found ${JSON.stringify(bit)}`);
    else s.masqueradeBit = Number(bit);
  }
  const npa = str('nodeportAddresses');
  if (npa !== undefined) {
    const l = list(npa);
    if (!(l.length === 1 && l[0] === 'primary')) l.forEach((c) => { if (!parseCidr(c)) bad('nodeport-addresses', `${JSON.stringify(c)} is not a CIDR (or use 'primary' alone)`); });
    s.nodePortAddresses = l;
  }
  if (typeof o.iptablesLocalhostNodeports === 'boolean') s.localhostNodePorts = o.iptablesLocalhostNodeports;
  const labels = str('nodeLabels');
  if (labels !== undefined) {
    const out: Record<string, string> = {};
    for (const kv of list(labels)) {
      const i = kv.indexOf('=');
      if (i <= 0) bad('node-labels', `${JSON.stringify(kv)} is not key=value`);
      else out[kv.slice(0, i)] = kv.slice(i + 1);
    }
    s.nodeLabels = out;
  }
  const gates = str('featureGates');
  if (gates !== undefined) {
    const out: Record<string, boolean> = {};
    for (const kv of list(gates)) {
      const m = /^([A-Za-z0-9]+)=(true|false)$/.exec(kv);
      if (!m) bad('feature-gates', `${JSON.stringify(kv)} is not Name=true|false`);
      else if (own(KNOWN_GATES, m[1]) === undefined) bad('feature-gates', `unknown feature gate ${m[1]} (known: ${Object.keys(KNOWN_GATES).join(', ')})`);
      else {
        out[m[1]] = m[2] === 'true';
        const locked = lockedGateProblem(m[1], out[m[1]]);
        if (locked) diagnostics.push(diag('KPC043', `--feature-gates ${m[1]}=${m[2]}: ${locked}`, { file: '<flags>' }));
      }
    }
    s.featureGates = out;
  }
  if (typeof o.randomFully === 'boolean') s.randomFully = o.randomFully;
  const nf = str('nfacctCounters');
  if (nf !== undefined && nf.trim() === '') bad('nfacct-counters', "must name counters, found an empty value (write 'none' for a node without them)");
  else if (nf !== undefined) {
    const names = nf.trim() === 'none' ? [] : list(nf);
    const known = [NFACCT_INVALID, NFACCT_LOCALHOST_NODEPORTS];
    if (names.includes('none')) bad('nfacct-counters', `'none' means no counters, so it stands alone; found ${JSON.stringify(nf)}`);
    for (const n of names) if (n !== 'none' && !known.includes(n)) bad('nfacct-counters', `${JSON.stringify(n)} is not a counter kube-proxy uses (${known.join(', ')}, or 'none')`);
    s.nfacctCounters = names;
  }
  if (typeof o.conntrackTcpBeLiberal === 'boolean') s.conntrackTCPBeLiberal = o.conntrackTcpBeLiberal;
  const sched = str('ipvsScheduler');
  if (sched !== undefined) {
    if (!IPVS_SCHEDULERS.includes(sched)) bad('ipvs-scheduler', `${JSON.stringify(sched)} is not an IPVS scheduler (${IPVS_SCHEDULERS.join(', ')})`);
    else s.ipvsScheduler = sched;
  }
  return { settings: s, diagnostics };
}
