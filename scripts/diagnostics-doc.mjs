// Regenerates docs/diagnostics.md from the code table in src/diagnostics/codes.ts.
import { readFileSync, writeFileSync } from 'node:fs';

const src = readFileSync(new URL('../src/diagnostics/codes.ts', import.meta.url), 'utf8');
const rows = [...src.matchAll(/(KPC\d+): \{ severity: '(\w+)', summary: '([^']+)' \}/g)];
const doc = [
  '# Diagnostic codes',
  '',
  'Every problem `kproxy-compile` reports has a stable code. The table is generated from',
  '`src/diagnostics/codes.ts` by `node scripts/diagnostics-doc.mjs` (a test checks they agree).',
  '',
  '| code | severity | meaning |',
  '|---|---|---|',
  ...rows.map(([, code, severity, summary]) => `| ${code} | ${severity} | ${summary} |`),
  '',
  'Errors stop the run (exit 2, nothing on stdout). Warnings and notes go to stderr and the output is',
  'still produced.',
  '',
].join('\n');
writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), doc);
