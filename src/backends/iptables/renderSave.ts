import type { DumpTable } from './parseIptables.js';
import type { NodeModel } from '../../model/types.js';
import { ByteChunks, chunksToString, StringOut, type TextOut } from '../../util/byteText.js';
import { baseRules, NODE_CHAINS } from './baseRules.js';
import { canonicalTable, visitRunsInOrder, type RuleOrText } from './canonicalOrder.js';
import { ownInOrder, prerender } from './prerender.js';
import { sortNames } from '../../util/orderByName.js';
import { dumpChunks, writeDumpTable, writeTableWithOwn } from './renderDump.js';
import { BUILTIN_CHAINS, type Match, type Rule, type Ruleset, type TableName, type Target } from '../../ir/iptables.js';

const SAVE_TABLE_ORDER: readonly TableName[] = ['mangle', 'filter', 'nat'];

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

/** A cluster has only a few distinct probabilities (1/n for its endpoint counts) but many rules using them. */
const savedProbabilities = new Map<string, string>();
function savedProbabilityCached(text: string): string {
  let saved = savedProbabilities.get(text);
  if (saved === undefined) savedProbabilities.set(text, (saved = savedProbability(text)));
  return saved;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** iptables-save prints addresses with an explicit prefix length: what to append to `addr`. */
function prefixSuffix(addr: string): string {
  if (addr.includes('/')) return '';
  return addr.includes(':') ? '/128' : '/32';
}

/** Writes ` -m …` for a match that is a module (or a protocol module's options); nothing for other matches. */
function writeModule(m: Match, rule: Rule, v6: boolean, o: TextOut): void {
  const not = 'negate' in m && m.negate ? '! ' : '';
  const mask = v6 ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255';
  switch (m.kind) {
    case 'comment': return o.write(' -m comment --comment "', m.text, '"');
    case 'proto': {
      if (m.bare) return;
      const dport = rule.matches.find((x) => x.kind === 'dport');
      return dport && dport.kind === 'dport' ? o.write(' -m ', m.proto, ' --dport ', String(dport.port)) : o.write(' -m ', m.proto);
    }
    case 'addrtype': return o.write(' -m addrtype ', not, `--${m.dir}-type `, m.type);
    case 'physdevIsIn': return o.write(' -m physdev ', not, '--physdev-is-in');
    case 'ipvs': return o.write(` -m ipvs --vaddr ${m.vaddr}${prefixSuffix(m.vaddr)} --vproto ${m.vproto === 'tcp' ? 6 : m.vproto === 'udp' ? 17 : 132} --vport ${m.vport}`);
    case 'conntrack': return o.write(' -m conntrack ', not, '--ctstate ', m.states);
    case 'mark': return o.write(' -m mark ', not, '--mark ', hex(m.value), `/${hex(m.mask)}`);
    case 'recentSet': return o.write(' -m recent --set --name ', m.name, ' --mask ', mask, ' --rsource');
    case 'recentCheck': return o.write(` -m recent --rcheck --seconds ${m.seconds} --reap --name `, m.name, ' --mask ', mask, ' --rsource');
    case 'statistic': return o.write(' -m statistic --mode random --probability ', savedProbabilityCached(m.probability));
    // iptables 1.8's nfacct printer emits two spaces here.
    case 'nfacct': return o.write(' -m nfacct --nfacct-name  ', m.name);
    case 'set': return o.write(' -m set ', not, '--match-set ', m.name, ` ${m.dirs}`);
    default: return;
  }
}

/** Writes ` -j …`. */
function writeTarget(t: Target, v6: boolean, o: TextOut): void {
  switch (t.kind) {
    case 'jump': return o.write(' -j ', t.chain);
    case 'DNAT': return o.write(' -j DNAT --to-destination ', t.to);
    case 'MASQUERADE': return o.write(t.randomFully ? ' -j MASQUERADE --random-fully' : ' -j MASQUERADE');
    case 'MARK': return o.write(' -j MARK --set-xmark ', hex(t.value), t.op === 'or' ? `/${hex(t.value)}` : '/0x0');
    case 'REJECT': return o.write(v6 ? ' -j REJECT --reject-with icmp6-port-unreachable' : ' -j REJECT --reject-with icmp-port-unreachable');
    default: return o.write(' -j ', t.kind);
  }
}

/** iptables-save prints these before any module, each kind in turn. */
const LEADING_KINDS = ['src', 'dst', 'inIface', 'proto'] as const;

/** Writes ` -s …` and the like: an address, interface or protocol option, which iptables-save prints ahead of the modules. */
function writeLeading(m: Match, o: TextOut): void {
  const not = 'negate' in m && m.negate ? '! ' : '';
  switch (m.kind) {
    case 'src': return o.write(not ? ' ! -s ' : ' -s ', m.addr, prefixSuffix(m.addr));
    case 'dst': return o.write(not ? ' ! -d ' : ' -d ', m.addr, prefixSuffix(m.addr));
    case 'inIface': return o.write(not ? ' ! -i ' : ' -i ', m.name);
    case 'proto': return o.write(' -p ', m.proto);
    default: return;
  }
}

/** Writes one rule as `iptables-save` prints it (without the line end): addresses, interface and protocol first, then modules. */
export function writeSaveRule(r: Rule, v6: boolean, out: TextOut): void {
  out.write('-A ', r.chain);
  for (const kind of LEADING_KINDS) for (const m of r.matches) if (m.kind === kind) writeLeading(m, out);
  for (const m of r.matches) writeModule(m, r, v6, out);
  if (r.target) writeTarget(r.target, v6, out);
}

/** One rule as `iptables-save` prints it. */
export function saveRuleLine(r: Rule, v6: boolean): string {
  const out = new StringOut();
  writeSaveRule(r, v6, out);
  return out.text;
}

/** A payload table whose rules may include runs rendered ahead of time. */
interface PayloadTable<T extends RuleOrText> {
  readonly name: TableName;
  readonly chains: readonly string[];
  readonly rules: readonly T[];
}

/** A DumpTable whose rules may include runs rendered ahead of time. */
interface SaveTable<T extends RuleOrText> extends Omit<DumpTable, 'rules'> {
  readonly rules: readonly (T | Rule)[];
}

/** saveTables, for payload rules that may include runs rendered ahead of time. */
function saveView<T extends RuleOrText>(payload: readonly PayloadTable<T>[], baseRules: Ruleset['baseRules'], extraChains: Ruleset['extraChains']): SaveTable<T>[] {
  const tables: SaveTable<T>[] = [];
  for (const table of SAVE_TABLE_ORDER) {
    const t = payload.find((x) => x.name === table);
    const chains = new Set<string>(t?.chains ?? []);
    for (const e of extraChains) if (e.table === table) chains.add(e.chain);
    const base = baseRules.filter((r) => r.table === table);
    for (const r of base) if (r.target?.kind === 'jump') chains.add(r.target.chain);
    if (!t && chains.size === 0 && base.length === 0) continue;
    const builtins = BUILTIN_CHAINS[table];
    // Code-unit order, exactly as `<` compares.
    const user = sortNames([...chains].filter((c) => !builtins.includes(c)));
    // Base rules lose their `table`; payload rules are plain Rules already and are shared, not copied.
    const all: (T | Rule)[] = base.map((r) => ({ chain: r.chain, matches: r.matches, ...(r.target ? { target: r.target } : {}) }));
    for (const r of t?.rules ?? []) all.push(r);
    // Built-in chains in their fixed order, then the others by name; rules of undeclared chains are left out.
    const rankOf = (c: string) => (builtins.includes(c) ? builtins.indexOf(c) : chains.has(c) ? builtins.length : -1);
    const rules: (T | Rule)[] = [];
    visitRunsInOrder(all, rankOf, (_, start, end, rank) => {
      if (rank >= 0) for (let i = start; i < end; i++) rules.push(all[i]);
    });
    tables.push({
      name: table,
      chains: [...builtins.map((name) => ({ name, policy: 'ACCEPT' })), ...user.map((name) => ({ name, policy: '-' }))],
      rules,
      deleted: [],
    });
  }
  return tables;
}

/**
 * The tables of the node's `iptables-save` view after kube-proxy's full sync on a fresh node: mangle,
 * filter and nat with built-in chains first, then every other chain sorted by name, rules grouped by
 * chain (base jumps first in their built-in chains).
 */
export function saveTables(rs: Ruleset): DumpTable[] {
  return saveView(rs.payload, rs.baseRules, rs.extraChains);
}

/** renderSave's text as UTF-8 chunks of whole lines, for writing a large view piece by piece. */
export function saveChunks(rs: Ruleset): Buffer[] {
  return dumpChunks({ tables: saveTables(rs) }, 'save', rs.family);
}

/** The node's `iptables-save` view, spelled as iptables-save 1.8 normalises it (without its comment lines). */
export function renderSave(rs: Ruleset): string {
  return chunksToString(saveChunks(rs));
}

/**
 * saveChunks(lowerIptables(m)), built the way a large cluster needs: each service port's own
 * chains are rendered as soon as they are lowered (see prerender), then placed where they belong.
 * Chunks go to `emit` as they fill (see ByteChunks).
 */
export function writeSaveOutput(m: NodeModel, emit: (chunk: Buffer) => void): void {
  const v6 = m.family === 'IPv6';
  const pre = prerender(m, (r, out) => writeSaveRule(r, v6, out));
  const own = ownInOrder(pre);
  // The view orders chains by name itself; canonical order matters only within a chain, that is
  // for KUBE-SERVICES and KUBE-NODEPORTS, which hold no per-service chain's rules. The per-service
  // chains are user chains of nat, placed among the shared ones by name.
  const out = new ByteChunks(emit);
  const builtins = BUILTIN_CHAINS.nat;
  const natRank = (c: string) => (builtins.includes(c) ? builtins.indexOf(c) : builtins.length);
  for (const t of saveView([canonicalTable(pre.filter), canonicalTable(pre.nat)], baseRules(), NODE_CHAINS)) {
    if (t.name === 'nat') writeTableWithOwn(out, t, pre, own, builtins.length, natRank, 'save', v6);
    else writeDumpTable(out, t, 'save', v6);
  }
  out.finish();
}
