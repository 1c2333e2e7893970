import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseIptables } from '../backends/iptables/parseIptables.js';
import { lowerIpvs } from '../backends/ipvs/lowerIpvs.js';
import { parseIpset, parseIpvsadm } from '../backends/ipvs/parseIpvs.js';
import { diffIpvs, type IpvsChange, type IpvsSide } from '../diff/diffIpvs.js';
import { stateFromDump } from '../diff/ruleState.js';
import type { CommonOptions } from './commonOptions.js';
import type { Io } from './io.js';
import { loadNodeView } from './loadNodeView.js';
import { readTextFile } from './readTextFile.js';

const HEADERS: Record<string, 'ipvsadm' | 'ipset' | 'iptables' | 'addresses'> = {
  '# ipvsadm -Sn': 'ipvsadm',
  '# ipset save': 'ipset',
  '# iptables-restore': 'iptables',
  '# kube-ipvs0 addresses': 'addresses',
};

/** Splits a dump into its parts: `--format all` headers, or one part guessed from its first line. */
function splitParts(text: string): Partial<Record<'ipvsadm' | 'ipset' | 'iptables' | 'addresses', string>> {
  const parts: Partial<Record<string, string>> = {};
  let current: string | undefined;
  for (const line of text.split('\n')) {
    if (HEADERS[line]) { current = HEADERS[line]; parts[current] = ''; continue; }
    if (!current) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      current = t.startsWith('-A ') ? 'ipvsadm' : t.startsWith('create ') ? 'ipset' : t.startsWith('*') ? 'iptables' : 'addresses';
      parts[current] = '';
    }
    parts[current] += `${line}\n`;
  }
  return parts;
}

async function isFile(path: string, cwd: string): Promise<boolean> {
  try {
    return (await stat(isAbsolute(path) ? path : join(cwd, path))).isFile();
  } catch {
    return false;
  }
}

/** One side of an IPVS diff: manifests compiled with --backend ipvs, or ipvsadm / ipset / `--format all` dumps. */
export async function loadIpvsSide(path: string, forced: string, options: CommonOptions, io: Io, diagnostics: Diagnostic[]): Promise<IpvsSide | undefined> {
  let dump = forced === 'rules';
  if (forced === 'auto' && (await isFile(path, io.cwd))) {
    const head = (await readFile(isAbsolute(path) ? path : join(io.cwd, path), 'utf8')).slice(0, 4096);
    dump = /^(#|-A |create |\*)/m.test(head.split('\n').find((l) => l.trim() !== '') ?? '');
  }
  if (!dump) {
    const view = await loadNodeView({ paths: [path], ...options }, { cwd: io.cwd, readStdin: io.readStdin });
    diagnostics.push(...view.diagnostics);
    if (!view.model) return undefined;
    const s = lowerIpvs(view.model);
    const iptables = stateFromDump({ tables: s.iptables.payload.map((t) => ({ name: t.name, chains: t.chains.map((name) => ({ name, policy: '-' })), rules: t.rules, deleted: [] })) }, s.family);
    return { servers: s.virtualServers, sets: s.ipsets, iptables };
  }
  const text = await readTextFile(path, io.cwd, diagnostics);
  if (text === undefined) return undefined;
  const parts = splitParts(text);
  const side: { -readonly [K in keyof IpvsSide]: IpvsSide[K] } = {};
  if (parts.ipvsadm !== undefined) {
    const r = parseIpvsadm(parts.ipvsadm, path);
    diagnostics.push(...r.diagnostics);
    side.servers = r.servers;
  }
  if (parts.ipset !== undefined) {
    const r = parseIpset(parts.ipset, path);
    diagnostics.push(...r.diagnostics);
    side.sets = r.sets;
  }
  if (parts.iptables !== undefined) {
    const r = parseIptables(parts.iptables, path);
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
