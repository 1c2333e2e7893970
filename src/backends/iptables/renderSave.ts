import type { DumpTable } from './parseIptables.js';
import { renderDump } from './renderDump.js';
import { BUILTIN_CHAINS, type Match, type Rule, type Ruleset, type TableName, type Target } from '../../ir/iptables.js';

const SAVE_TABLE_ORDER: readonly TableName[] = ['mangle', 'filter', 'nat'];

/** iptables-save prints addresses with an explicit prefix length. */
function withPrefix(addr: string): string {
  if (addr.includes('/')) return addr;
  return addr.includes(':') ? `${addr}/128` : `${addr}/32`;
}

/** xt_statistic keeps lround(p * 2^31) and prints it back with %.11f. */
export function savedProbability(text: string): string {
  const stored = Math.round(Number(text) * 0x80000000);
  // stored / 2^31 is exact in binary; print its exact decimal expansion rounded half-even at 11 digits.
  const num = BigInt(stored) * 10n ** 11n;
  const den = 1n << 31n;
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(12, '0');
  return `${s.slice(0, -11)}.${s.slice(-11)}`;
}

const hex = (n: number) => `0x${n.toString(16)}`;

function moduleTokens(m: Match, rule: Rule, v6: boolean): string | undefined {
  const not = 'negate' in m && m.negate ? '! ' : '';
  const mask = v6 ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255';
  switch (m.kind) {
    case 'comment': return `-m comment --comment "${m.text}"`;
    case 'proto': {
      if (m.bare) return undefined;
      const dport = rule.matches.find((x) => x.kind === 'dport');
      return dport && dport.kind === 'dport' ? `-m ${m.proto} --dport ${dport.port}` : `-m ${m.proto}`;
    }
    case 'addrtype': return `-m addrtype ${not}--${m.dir}-type ${m.type}`;
    case 'physdevIsIn': return `-m physdev ${not}--physdev-is-in`;
    case 'ipvs': return `-m ipvs --vaddr ${withPrefix(m.vaddr)} --vproto ${m.vproto === 'tcp' ? 6 : m.vproto === 'udp' ? 17 : 132} --vport ${m.vport}`;
    case 'conntrack': return `-m conntrack ${not}--ctstate ${m.states}`;
    case 'mark': return `-m mark ${not}--mark ${hex(m.value)}/${hex(m.mask)}`;
    case 'recentSet': return `-m recent --set --name ${m.name} --mask ${mask} --rsource`;
    case 'recentCheck': return `-m recent --rcheck --seconds ${m.seconds} --reap --name ${m.name} --mask ${mask} --rsource`;
    case 'statistic': return `-m statistic --mode random --probability ${savedProbability(m.probability)}`;
    // iptables 1.8's nfacct printer emits two spaces here.
    case 'nfacct': return `-m nfacct --nfacct-name  ${m.name}`;
    case 'set': return `-m set ${not}--match-set ${m.name} ${m.dirs}`;
    default: return undefined;
  }
}

function targetTokens(t: Target, v6: boolean): string {
  switch (t.kind) {
    case 'jump': return `-j ${t.chain}`;
    case 'DNAT': return `-j DNAT --to-destination ${t.to}`;
    case 'MASQUERADE': return t.randomFully ? '-j MASQUERADE --random-fully' : '-j MASQUERADE';
    case 'MARK': return t.op === 'or' ? `-j MARK --set-xmark ${hex(t.value)}/${hex(t.value)}` : `-j MARK --set-xmark ${hex(t.value)}/0x0`;
    case 'REJECT': return `-j REJECT --reject-with ${v6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable'}`;
    default: return `-j ${t.kind}`;
  }
}

/** One rule as `iptables-save` prints it: addresses, interface and protocol first, then modules. */
export function saveRuleLine(r: Rule, v6: boolean): string {
  const parts = [`-A ${r.chain}`];
  const not = (m: Match) => ('negate' in m && m.negate ? '! ' : '');
  for (const kind of ['src', 'dst', 'inIface', 'proto'] as const) {
    for (const m of r.matches) {
      if (m.kind !== kind) continue;
      if (m.kind === 'src') parts.push(`${not(m)}-s ${withPrefix(m.addr)}`);
      else if (m.kind === 'dst') parts.push(`${not(m)}-d ${withPrefix(m.addr)}`);
      else if (m.kind === 'inIface') parts.push(`${not(m)}-i ${m.name}`);
      else if (m.kind === 'proto') parts.push(`-p ${m.proto}`);
    }
  }
  for (const m of r.matches) {
    const t = moduleTokens(m, r, v6);
    if (t) parts.push(t);
  }
  if (r.target) parts.push(targetTokens(r.target, v6));
  return parts.join(' ');
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The tables of the node's `iptables-save` view after kube-proxy's full sync on a fresh node: mangle,
 * filter and nat with built-in chains first, then every other chain sorted by name, rules grouped by
 * chain (base jumps first in their built-in chains).
 */
export function saveTables(rs: Ruleset): DumpTable[] {
  const tables: DumpTable[] = [];
  for (const table of SAVE_TABLE_ORDER) {
    const payload = rs.payload.find((t) => t.name === table);
    const chains = new Set<string>(payload?.chains ?? []);
    for (const e of rs.extraChains) if (e.table === table) chains.add(e.chain);
    const base = rs.baseRules.filter((r) => r.table === table);
    for (const r of base) if (r.target?.kind === 'jump') chains.add(r.target.chain);
    if (!payload && chains.size === 0 && base.length === 0) continue;
    const builtins = BUILTIN_CHAINS[table];
    const user = [...chains].filter((c) => !builtins.includes(c)).sort(byName);
    const rulesByChain = new Map<string, Rule[]>();
    for (const r of [...base, ...(payload?.rules ?? [])]) {
      let list = rulesByChain.get(r.chain);
      if (!list) rulesByChain.set(r.chain, (list = []));
      list.push({ chain: r.chain, matches: r.matches, ...(r.target ? { target: r.target } : {}) });
    }
    tables.push({
      name: table,
      chains: [...builtins.map((name) => ({ name, policy: 'ACCEPT' })), ...user.map((name) => ({ name, policy: '-' }))],
      rules: [...builtins, ...user].flatMap((c) => rulesByChain.get(c) ?? []),
      deleted: [],
    });
  }
  return tables;
}

/** The node's `iptables-save` view, spelled as iptables-save 1.8 normalises it (without its comment lines). */
export function renderSave(rs: Ruleset): string {
  return renderDump({ tables: saveTables(rs) }, 'save', rs.family);
}
