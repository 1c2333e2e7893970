import type { DumpTable } from './parseIptables.js';
import type { NodeModel } from '../../model/types.js';
import { ByteChunks, chunksToString } from '../../util/byteText.js';
import { baseRules, NODE_CHAINS } from './baseRules.js';
import { canonicalTable, visitRunsInOrder } from './canonicalOrder.js';
import { ownInOrder, prerender } from './prerender.js';
import { sortNames } from '../../util/orderByName.js';
import { dumpChunks, writeDumpTable, writeTableWithOwn } from './renderDump.js';
import { BUILTIN_CHAINS, type Rule, type Ruleset, type Table, type TableName } from '../../ir/iptables.js';
import { writeSaveRule } from './writeSaveRule.js';

/** The tables of the view, in iptables-save's order. */
export const SAVE_TABLE_ORDER: readonly TableName[] = ['mangle', 'filter', 'nat'];


/** The tables of the node's `iptables-save` view, from the payload tables and the base jumps. */
function saveView(payload: readonly Table[], baseRules: Ruleset['baseRules'], extraChains: Ruleset['extraChains']): DumpTable[] {
  const tables: DumpTable[] = [];
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
    const all: Rule[] = base.map((r) => ({ chain: r.chain, matches: r.matches, ...(r.target ? { target: r.target } : {}) }));
    for (const r of t?.rules ?? []) all.push(r);
    // Built-in chains in their fixed order, then the others by name; rules of undeclared chains are left out.
    const rankOf = (c: string) => (builtins.includes(c) ? builtins.indexOf(c) : chains.has(c) ? builtins.length : -1);
    const rules: Rule[] = [];
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
