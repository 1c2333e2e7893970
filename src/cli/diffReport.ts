import type { ChalkInstance } from 'chalk';
import type { Change, DiffResult } from '../diff/diffStates.js';

const NODE_WIDE = '(node-wide rules)';

/** The service a change belongs to: its chain's label, else the `ns/name:port` of the rule's comment. */
function groupOf(c: Change): string {
  if (c.service) return c.service.split(' -> ')[0] || NODE_WIDE;
  if (c.type === 'rule-added' || c.type === 'rule-removed') {
    const m = /--comment "([^" ]+\/[^" ]+)/.exec(c.rule);
    if (m) return m[1];
  }
  return NODE_WIDE;
}

function endpointOf(c: Change): string | undefined {
  if (c.type !== 'chain-added' && c.type !== 'chain-removed') return undefined;
  if (!c.chain.startsWith('KUBE-SEP-')) return undefined;
  const dnat = c.rules.map((r) => / --to-destination (\S+)/.exec(r)).find(Boolean);
  return dnat?.[1];
}

/**
 * The human report of a diff: grouped by service port, endpoints added/removed first, then
 * chains and rule-level -/+ lines, each hashed chain annotated with what it serves.
 */
export function renderDiffText(result: DiffResult, color: ChalkInstance): string {
  if (result.changes.length === 0) return 'no differences\n';
  const groups = new Map<string, Change[]>();
  for (const c of result.changes) {
    const g = groupOf(c);
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(c);
  }
  const names = [...groups.keys()].sort((a, b) => (a === NODE_WIDE ? 1 : b === NODE_WIDE ? -1 : a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  for (const name of names) {
    const changes = groups.get(name)!;
    out.push(color.bold(name));
    const added = changes.filter((c) => c.type === 'chain-added').map(endpointOf).filter(Boolean);
    const removed = changes.filter((c) => c.type === 'chain-removed').map(endpointOf).filter(Boolean);
    if (added.length) out.push(`  endpoints added: ${color.green(added.join(', '))}`);
    if (removed.length) out.push(`  endpoints removed: ${color.red(removed.join(', '))}`);
    const byChain = new Map<string, Change[]>();
    for (const c of changes) {
      const k = `${c.table} ${c.chain}`;
      let list = byChain.get(k);
      if (!list) byChain.set(k, (list = []));
      list.push(c);
    }
    for (const [k, list] of byChain) {
      const label = list[0].service ? ` (${list[0].service})` : '';
      const first = list[0];
      if (first.type === 'chain-added' || first.type === 'chain-removed') {
        out.push(`  ${k}${label}: ${first.type === 'chain-added' ? color.green('chain added') : color.red('chain removed')}`);
        for (const r of first.rules) out.push(first.type === 'chain-added' ? color.green(`    + ${r}`) : color.red(`    - ${r}`));
        continue;
      }
      out.push(`  ${k}${label}`);
      for (const c of list) if (c.type === 'rule-removed') out.push(color.red(`    - ${c.rule}`));
      for (const c of list) if (c.type === 'rule-added') out.push(color.green(`    + ${c.rule}`));
    }
  }
  const s = result.summary;
  out.push(`${s.chainsAdded} chain(s) added, ${s.chainsRemoved} removed; ${s.rulesAdded} rule(s) added, ${s.rulesRemoved} removed`);
  return `${out.join('\n')}\n`;
}
