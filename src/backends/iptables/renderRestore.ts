import type { Match, Rule, Ruleset, Target } from '../../ir/iptables.js';

/** Go's %#08x: kube-proxy's spelling of the masquerade mark (0x00004000). */
export function goHex08(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** A comment argument as kube-proxy writes it: quoted only when it holds a space. */
function commentArg(text: string): string {
  return text.includes(' ') ? `"${text}"` : text;
}

function matchTokens(m: Match): string {
  const not = 'negate' in m && m.negate ? '! ' : '';
  switch (m.kind) {
    case 'src': return `${not}-s ${m.addr}`;
    case 'dst': return `${not}-d ${m.addr}`;
    case 'inIface': return `${not}-i ${m.name}`;
    case 'proto': return m.bare ? `-p ${m.proto}` : `-m ${m.proto} -p ${m.proto}`;
    case 'dport': return `--dport ${m.port}`;
    case 'comment': return `-m comment --comment ${commentArg(m.text)}`;
    case 'addrtype': return `-m addrtype ${not}--${m.dir}-type ${m.type}`;
    case 'physdevIsIn': return `-m physdev ${not}--physdev-is-in`;
    case 'ipvs': return `-m ipvs --vaddr ${m.vaddr} --vproto ${m.vproto} --vport ${m.vport}`;
    case 'conntrack': return `-m conntrack ${not}--ctstate ${m.states}`;
    case 'mark': return `-m mark ${not}--mark ${goHex08(m.value)}/${goHex08(m.mask)}`;
    case 'recentSet': return `-m recent --name ${m.name} --set`;
    case 'recentCheck': return `-m recent --name ${m.name} --rcheck --seconds ${m.seconds} --reap`;
    case 'statistic': return `-m statistic --mode random --probability ${m.probability}`;
    case 'nfacct': return `-m nfacct --nfacct-name ${m.name}`;
    case 'set': return `-m set ${not}--match-set ${m.name} ${m.dirs}`;
  }
}

function targetTokens(t: Target): string {
  switch (t.kind) {
    case 'jump': return `-j ${t.chain}`;
    case 'DNAT': return `-j DNAT --to-destination ${t.to}`;
    case 'MASQUERADE': return t.randomFully ? '-j MASQUERADE --random-fully' : '-j MASQUERADE';
    case 'MARK': return `-j MARK --${t.op}-mark ${goHex08(t.value)}`;
    default: return `-j ${t.kind}`;
  }
}

/** One `-A CHAIN …` line in kube-proxy's payload spelling. */
export function restoreRuleLine(r: Rule): string {
  const parts = [`-A ${r.chain}`];
  for (const m of r.matches) parts.push(matchTokens(m));
  if (r.target) parts.push(targetTokens(r.target));
  return parts.join(' ');
}

/**
 * An iptables-restore payload in canonical order. Chains to delete must also be listed in `chains`
 * (iptables-restore needs the chain line to flush before `-X`).
 */
export function renderRestore(rs: Ruleset): string {
  const lines: string[] = [];
  for (const t of rs.payload) {
    lines.push(`*${t.name}`);
    for (const c of t.chains) lines.push(`:${c} - [0:0]`);
    for (const r of t.rules) lines.push(restoreRuleLine(r));
    for (const c of t.deleted) lines.push(`-X ${c}`);
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}
