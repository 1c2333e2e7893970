import type { Dump } from './parseIptables.js';
import type { Rule } from '../../ir/iptables.js';
import { writeRestoreRule } from './writeRestoreRule.js';
import { writeSaveRule } from './writeSaveRule.js';
import { ByteChunks, chunksToString } from '../../util/byteText.js';
import type { OwnInOrder, Prerendered } from './prerender.js';

/** The parts of a dump table the writer needs. */
interface TableLines {
  readonly name: string;
  readonly chains: readonly { readonly name: string; readonly policy: string }[];
  readonly rules: readonly Rule[];
  readonly deleted: readonly string[];
}

/** Writes one table's lines in the given spelling. */
export function writeDumpTable(out: ByteChunks, t: TableLines, style: 'restore' | 'save', v6: boolean): void {
  const line = (a: string, b?: string, c?: string, d?: string, e?: string) => {
    out.write(a, b, c, d, e);
    out.endLine();
  };
  line('*', t.name);
  for (const c of t.chains) line(':', c.name, ' ', c.policy, ' [0:0]');
  for (const r of t.rules) {
    if (style === 'restore') writeRestoreRule(r, out);
    else writeSaveRule(r, v6, out);
    out.endLine();
  }
  for (const c of t.deleted) line('-X ', c);
  line('COMMIT');
}

/**
 * Writes a table whose per-service chains were rendered ahead (see prerender): `t` holds the shared
 * chains, declared and with their rules in order; the own chains all have rank `ownRank` under
 * `rankOf` and go among them by (rank, name), their declarations and their rules alike.
 */
export function writeTableWithOwn(out: ByteChunks, t: TableLines, pre: Prerendered, own: OwnInOrder, ownRank: number, rankOf: (chain: string) => number, style: 'restore' | 'save', v6: boolean): void {
  const line = (a: string, b?: string, c?: string, d?: string, e?: string) => {
    out.write(a, b, c, d, e);
    out.endLine();
  };
  const ownFirst = (p: number, chain: string) => {
    const rank = rankOf(chain);
    return p < own.names.length && (ownRank < rank || (ownRank === rank && own.names[p] < chain));
  };
  line('*', t.name);
  let p = 0;
  for (const c of t.chains) {
    for (; ownFirst(p, c.name); p++) line(':', own.names[p], ' - [0:0]');
    line(':', c.name, ' ', c.policy, ' [0:0]');
  }
  for (; p < own.names.length; p++) line(':', own.names[p], ' - [0:0]');
  const writeOwn = (i: number) => {
    for (let r = own.first[i]; r >= 0; r = pre.nextRun[r]) pre.arena.copyTo(out, pre.runs[3 * r], pre.runs[3 * r + 1], pre.runs[3 * r + 2]);
  };
  p = 0;
  for (const r of t.rules) {
    for (; ownFirst(p, r.chain); p++) writeOwn(p);
    if (style === 'restore') writeRestoreRule(r, out);
    else writeSaveRule(r, v6, out);
    out.endLine();
  }
  for (; p < own.names.length; p++) writeOwn(p);
  for (const c of t.deleted) line('-X ', c);
  line('COMMIT');
}

/** renderDump's text as UTF-8 chunks of whole lines. */
export function dumpChunks(dump: Dump, style: 'restore' | 'save', family: 'IPv4' | 'IPv6'): Buffer[] {
  const out = new ByteChunks();
  for (const t of dump.tables) writeDumpTable(out, t, style, family === 'IPv6');
  // No lines still make one empty line, as joining none and ending with a newline would.
  if (dump.tables.length === 0) out.endLine();
  return out.finish();
}

/** Prints a parsed dump back in one of the two spellings: `render(parse(x)) == x` for either. */
export function renderDump(dump: Dump, style: 'restore' | 'save', family: 'IPv4' | 'IPv6'): string {
  return chunksToString(dumpChunks(dump, style, family));
}
