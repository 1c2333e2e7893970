import type { Dump } from './parseIptables.js';
import { restoreRuleLine } from './renderRestore.js';
import { saveRuleLine } from './renderSave.js';

/** Prints a parsed dump back in one of the two spellings: `render(parse(x)) == x` for either. */
export function renderDump(dump: Dump, style: 'restore' | 'save', family: 'IPv4' | 'IPv6'): string {
  const lines: string[] = [];
  for (const t of dump.tables) {
    lines.push(`*${t.name}`);
    for (const c of t.chains) lines.push(`:${c.name} ${c.policy} [0:0]`);
    for (const r of t.rules) lines.push(style === 'restore' ? restoreRuleLine(r) : saveRuleLine(r, family === 'IPv6'));
    for (const c of t.deleted) lines.push(`-X ${c}`);
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}
