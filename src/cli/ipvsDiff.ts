import type { ChalkInstance } from 'chalk';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseIptables } from '../backends/iptables/parseIptables.js';
import { lowerIpvs } from '../backends/ipvs/lowerIpvs.js';
import { parseIpset, parseIpvsadm } from '../backends/ipvs/parseIpvs.js';
import { diffIpvs, type IpvsChange, type IpvsSide } from '../diff/diffIpvs.js';
import { chainsLeftOut, stateFromDump, stateFromRuleset } from '../diff/ruleState.js';
import type { CommonOptions } from './commonOptions.js';
import { loadNodeView } from './loadNodeView.js';
import { firstLine, readSideHead, readSideText, shownName } from './sideInput.js';
import type { InputReads } from './inputReads.js';

type Part = 'ipvsadm' | 'ipset' | 'iptables' | 'addresses';

const HEADERS: ReadonlyMap<string, Part> = new Map([
  ['# ipvsadm -Sn', 'ipvsadm'],
  ['# ipset save', 'ipset'],
  ['# iptables-restore', 'iptables'],
  ['# kube-ipvs0 addresses', 'addresses'],
]);

/**
 * Splits a dump into its parts: `--format all` headers, or one part guessed from its first line.
 * Each part keeps the dump's line numbers: lines outside it (headers included) are left blank,
 * which every part's parser skips, so a diagnostic names the line of the file.
 */
function splitParts(text: string): { parts: Partial<Record<Part, string>>; stray?: number } {
  const lines = text.split('\n');
  const owner: (Part | undefined)[] = new Array(lines.length);
  const seen = new Set<Part>();
  let current: Part | undefined;
  let stray: number | undefined;
  lines.forEach((line, i) => {
    // A dump saved with CRLF line ends (copied from a Windows machine) keeps its part headers.
    const header = HEADERS.get(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (header) { current = header; seen.add(header); return; }
    if (!current && stray === undefined) {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      current = t.startsWith('-A ') ? 'ipvsadm' : t.startsWith('create ') ? 'ipset' : t.startsWith('*') ? 'iptables' : undefined;
      // Text no dump starts with, outside any part: nothing here can be compared.
      if (!current) { stray = i; return; }
      seen.add(current);
    }
    if (current) owner[i] = current;
  });
  const parts: Partial<Record<Part, string>> = {};
  for (const part of seen) parts[part] = lines.map((line, i) => (owner[i] === part ? line : '')).join('\n');
  return { parts, stray };
}

/**
 * What IPVS-mode dump a head starts as ('ipvsadm -Sn', 'ipset save', or a `--format all`
 * document), or undefined: for telling someone who gave one without --backend ipvs.
 */
export function ipvsDumpKind(head: Buffer): string | undefined {
  const first = firstLine(head, true);
  if (first !== undefined && HEADERS.has(first) && first !== '# iptables-restore') return 'a kproxy-compile --backend ipvs --format all document';
  const line = firstLine(head);
  if (line === undefined) return undefined;
  if (/^-A -[tuf] \S+ /.test(line)) return 'an ipvsadm -Sn dump';
  if (/^create \S+ (hash|bitmap|list):/.test(line)) return 'an ipset save dump';
  return undefined;
}

/**
 * Whether a side's head is a dump: a `--format all` part header, or (past comments) an ipvsadm
 * rule, an ipset `create` or an iptables `*table` line. A manifest may start with a comment too.
 */
function headIsDump(head: Buffer): boolean {
  const first = firstLine(head, true);
  if (first !== undefined && HEADERS.has(first)) return true;
  const line = firstLine(head);
  return line !== undefined && /^(-A |create |\*[a-z]+$)/.test(line);
}

/**
 * One side of an IPVS diff: manifests compiled with --backend ipvs, or ipvsadm / ipset / `--format
 * all` dumps. `-` is standard input, read once as a pipe is (see inputReads) and told apart as a file is.
 */
export async function loadIpvsSide(path: string, forced: string, options: CommonOptions, cwd: string, reads: InputReads, diagnostics: Diagnostic[]): Promise<IpvsSide | undefined> {
  let dump = forced === 'rules';
  if (forced === 'auto') {
    const head = await readSideHead(path, cwd, reads);
    dump = head !== undefined && headIsDump(head);
  }
  if (!dump) {
    const view = await loadNodeView({ paths: [path], ...options }, { cwd, ...reads });
    diagnostics.push(...view.diagnostics);
    if (!view.model) return undefined;
    const s = lowerIpvs(view.model);
    // As a node's iptables-save shows them: the payload plus the jumps from the built-in chains.
    return { servers: s.virtualServers, sets: s.ipsets, iptables: stateFromRuleset(s.iptables) };
  }
  const text = await readSideText(path, cwd, reads, diagnostics);
  if (text === undefined) return undefined;
  const shown = shownName(path);
  const { parts, stray } = splitParts(text);
  if (stray !== undefined || !Object.keys(parts).length) {
    const what = stray === undefined ? 'holds no dump' : 'does not start as a dump does';
    diagnostics.push(diag('KPC052', `${what}: expected ipvsadm -Sn rules (-A ...), an ipset save (create ...), an iptables-save dump (*table) or kproxy-compile --format all output`, { file: shown, line: stray === undefined ? undefined : stray + 1 }));
    return undefined;
  }
  const side: { -readonly [K in keyof IpvsSide]: IpvsSide[K] } = {};
  if (parts.ipvsadm !== undefined) {
    const r = parseIpvsadm(parts.ipvsadm, shown);
    diagnostics.push(...r.diagnostics);
    side.servers = r.servers;
  }
  if (parts.ipset !== undefined) {
    const r = parseIpset(parts.ipset, shown);
    diagnostics.push(...r.diagnostics);
    side.sets = r.sets;
  }
  if (parts.iptables !== undefined) {
    const r = parseIptables(parts.iptables, shown, { skip: chainsLeftOut({}) });
    diagnostics.push(...r.diagnostics);
    if (r.dump) side.iptables = stateFromDump(r.dump, options.family);
  }
  return side;
}

/** The human report of an IPVS diff, one line per change. */
export function renderIpvsDiffText(changes: readonly IpvsChange[], color: ChalkInstance): string {
  if (!changes.length) return 'no differences\n';
  const lines = changes.map((c) => {
    switch (c.type) {
      case 'virtual-server-added': return color.green(`+ virtual server ${c.service}`);
      case 'virtual-server-removed': return color.red(`- virtual server ${c.service}`);
      case 'virtual-server-changed': return color.yellow(`~ virtual server ${c.service}: ${c.field} ${c.old} -> ${c.new}`);
      case 'real-server-added': return color.green(`+ real server ${c.realServer} of ${c.service}`);
      case 'real-server-changed': return color.yellow(`~ real server ${c.realServer} of ${c.service}: ${c.field} ${c.old} -> ${c.new}`);
      case 'real-server-removed': return color.red(`- real server ${c.realServer} of ${c.service}`);
      case 'ipset-added': return color.green(`+ ipset ${c.set}`);
      case 'ipset-removed': return color.red(`- ipset ${c.set}`);
      case 'ipset-entry-added': return color.green(`+ ${c.set} ${c.entry}`);
      case 'ipset-entry-removed': return color.red(`- ${c.set} ${c.entry}`);
      case 'chain-added': return color.green(`+ chain ${c.table} ${c.chain}`);
      case 'chain-removed': return color.red(`- chain ${c.table} ${c.chain}`);
      case 'rule-added': return color.green(`+ ${c.rule}`);
      case 'rule-removed': return color.red(`- ${c.rule}`);
    }
  });
  return `${lines.join('\n')}\n${changes.length} difference(s)\n`;
}
