import { diag } from '../diagnostics/diagnostic.js';
import { churnStep, type StepReport } from '../churn/churnStep.js';
import { loadChurnStates, type ChurnState } from './loadChurnStates.js';
import { commonOptions, configPath, pathProblems } from './commonOptions.js';
import type { Io } from './io.js';
import { inputReads } from './inputReads.js';
import { EXIT_OK, EXIT_USAGE, report } from './report.js';

function pct(a: number, b: number): string {
  return b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`;
}

function renderStep(r: Omit<StepReport, 'deltaPayload'>, total: number): string {
  const lines = [`step ${r.step}/${total}: ${r.name}`];
  for (const e of r.endpoints) lines.push(`  ${e.service}  endpoints ${[...[...e.added].sort().map((x) => `+${x}`), ...[...e.removed].sort().map((x) => `-${x}`)].join(' ')}`);
  lines.push(`  rules: ${r.rules.added} added, ${r.rules.removed} removed, ${r.rules.changed} changed; chains: ${r.chains.added} added, ${r.chains.removed} removed`);
  lines.push(`  delta payload: ${r.deltaBytes} bytes (${r.deltaLines} lines) vs full payload ${r.fullBytes} bytes: ${pct(r.deltaBytes, r.fullBytes)}`);
  return lines.join('\n');
}

/** `kproxy-compile churn`: replays cluster states and reports what each step does to the node's rules. */
export async function runChurn(paths: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  const common = commonOptions(opts);
  const usage = [...common.diagnostics];
  if (common.options.backend !== 'iptables') usage.push(diag('KPC040', 'churn replays kube-proxy partial syncs of the iptables backend; --backend ipvs is not supported here', { file: '<flags>' }));
  const output = String(opts.output ?? 'text');
  if (!['text', 'json'].includes(output)) usage.push(diag('KPC040', `--output must be text or json, found ${JSON.stringify(output)}`, { file: '<flags>' }));
  const timelinePath = typeof opts.timeline === 'string' ? opts.timeline : undefined;
  if (timelinePath === '') usage.push(diag('KPC040', '--timeline must name a timeline file (or - for stdin), found an empty value', { file: '<flags>' }));
  usage.push(...pathProblems([...paths, ...(timelinePath ? [timelinePath] : []), ...configPath(common.options)]));
  if (timelinePath === undefined && paths.length < 2) usage.push(diag('KPC040', 'give at least two states (paths), or --timeline FILE', { file: '<flags>' }));
  if (timelinePath !== undefined && paths.length) usage.push(diag('KPC040', 'give either state paths or --timeline, not both', { file: '<flags>' }));
  if (report(io, usage)) return EXIT_USAGE;

  // Each step is reported as its state comes, against the one before; only that one is kept.
  let previous: ChurnState | undefined;
  let start: { name: string; lines: number } | undefined;
  const reports: Omit<StepReport, 'deltaPayload'>[] = [];
  const loaded = await loadChurnStates({ paths, timeline: timelinePath }, common.options, { cwd: io.cwd, ...inputReads(io) }, (s) => {
    if (previous) {
      const { deltaPayload: _d, ...step } = churnStep(reports.length + 1, s.name, previous.compiled, s.compiled);
      reports.push(step);
    } else start = { name: s.name, lines: s.compiled.fullPayload.split('\n').length - 1 };
    previous = s;
  });
  if (report(io, loaded.diagnostics) || !start) return EXIT_USAGE;
  if (output === 'json') {
    io.stdout(`${JSON.stringify({ schema: 'kproxy-compile/churn/v1', start: start.name, steps: reports }, null, 2)}\n`);
  } else {
    io.stdout(`start: ${start.name} (${start.lines} payload lines)\n`);
    for (const r of reports) io.stdout(`${renderStep(r, reports.length)}\n`);
  }
  return EXIT_OK;
}
