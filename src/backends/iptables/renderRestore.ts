import type { Rule, Ruleset } from '../../ir/iptables.js';
import type { NodeModel } from '../../model/types.js';
import { ByteChunks, chunksToString } from '../../util/byteText.js';
import { chainRank, canonicalTable } from './canonicalOrder.js';
import { ownInOrder, prerender } from './prerender.js';
import { writeDumpTable, writeTableWithOwn } from './renderDump.js';
import { writeRestoreRule } from './writeRestoreRule.js';

/** The rank compareChains gives every per-service chain (KUBE-SVC-…, KUBE-SEP-…): "other KUBE-* chains". */
const OWN_RANK = chainRank('KUBE-SVC-X');

/** A payload table as the dump writer takes it: the payload declares chains with `-` for a policy. */
function payloadLines(name: string, chains: readonly string[], rules: readonly Rule[], deleted: readonly string[]) {
  return { name, chains: chains.map((c) => ({ name: c, policy: '-' })), rules, deleted };
}

/** renderRestore's text as UTF-8 chunks of whole lines, for writing a large payload piece by piece. */
export function restoreChunks(rs: Ruleset): Buffer[] {
  const out = new ByteChunks();
  for (const t of rs.payload) writeDumpTable(out, payloadLines(t.name, t.chains, t.rules, t.deleted), 'restore', false);
  // No lines still make one empty line, as joining none and ending with a newline would.
  if (rs.payload.length === 0) out.endLine();
  return out.finish();
}

/**
 * An iptables-restore payload in canonical order. Chains to delete must also be listed in `chains`
 * (iptables-restore needs the chain line to flush before `-X`).
 */
export function renderRestore(rs: Ruleset): string {
  return chunksToString(restoreChunks(rs));
}

/**
 * restoreChunks(lowerIptables(m)), built the way a large cluster needs: each service port's own
 * chains are rendered as soon as they are lowered (see prerender), then placed in canonical order.
 * Chunks go to `emit` as they fill (see ByteChunks).
 */
export function writeRestoreOutput(m: NodeModel, emit: (chunk: Buffer) => void): void {
  const pre = prerender(m, writeRestoreRule);
  const own = ownInOrder(pre);
  const out = new ByteChunks(emit);
  const filter = canonicalTable(pre.filter);
  writeDumpTable(out, payloadLines(filter.name, filter.chains, filter.rules, filter.deleted), 'restore', false);
  // Every per-service chain is a KUBE-* chain of compareChains' third rank: placed among the shared ones by name.
  const nat = canonicalTable(pre.nat);
  writeTableWithOwn(out, payloadLines('nat', nat.chains, nat.rules, nat.deleted), pre, own, OWN_RANK, chainRank, 'restore', false);
  out.finish();
}
