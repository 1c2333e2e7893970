import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Rule } from '../ir/iptables.js';
import { isLargeCluster, LARGE_CLUSTER_ENDPOINTS } from '../backends/iptables/lowerIptables.js';
import { restoreChunks } from '../backends/iptables/renderRestore.js';
import { diffAnnotated } from '../diff/diffStates.js';
import { nodeFingerprint, restoreDelta } from '../diff/restoreDelta.js';
import { lowerPair } from '../diff/lowerPair.js';
import { stateFromRuleset, type RuleState } from '../diff/ruleState.js';
import { colorsFor } from './colors.js';
import { diffIpvs } from '../diff/diffIpvs.js';
import { loadIpvsSide, renderIpvsDiffText } from './ipvsDiff.js';
import { commonOptions, configPath, pathProblems } from './commonOptions.js';
import { renderDiffText } from './diffReport.js';
import { inputReads } from './inputReads.js';
import type { Io } from './io.js';
import { compiledState, loadSides, SIDE_FORMATS, type SideFormat, type SideRequest } from './loadDiffSide.js';
import { EXIT_DIFFERENT, EXIT_OK, EXIT_USAGE, report } from './report.js';

/** `kproxy-compile diff OLD NEW`: exit 0 when the rules agree, 1 when they differ, 2 on error. */
export async function runDiff(oldPath: string, newPath: string, opts: Record<string, unknown>, io: Io): Promise<number> {
  const common = commonOptions(opts);
  const usage = [...common.diagnostics];
  const output = String(opts.output ?? 'text');
  if (!['text', 'json', 'restore-delta'].includes(output)) usage.push(diag('KPC040', `--output must be text, json or restore-delta, found ${JSON.stringify(output)}`, { file: '<flags>' }));
  const formats: SideFormat[] = [];
  for (const [flag, v] of [['old-format', opts.oldFormat], ['new-format', opts.newFormat]] as const) {
    const f = String(v ?? 'auto');
    if (!(SIDE_FORMATS as readonly string[]).includes(f)) usage.push(diag('KPC040', `--${flag} must be one of ${SIDE_FORMATS.join(', ')}, found ${JSON.stringify(f)}`, { file: '<flags>' }));
    formats.push(f as SideFormat);
  }
  for (const [flag, set] of [['full-sync', opts.fullSync], ['defer-chain-cleanup', opts.deferChainCleanup]] as const) {
    if (set === true && output !== 'restore-delta') usage.push(diag('KPC040', `--${flag} shapes a restore-delta payload: it needs --output restore-delta, found --output ${output}`, { file: '<flags>' }));
  }
  if (oldPath === '-' && newPath === '-') usage.push(diag('KPC040', 'only one side can be read from stdin', { file: '<flags>' }));
  else usage.push(...pathProblems([oldPath, newPath, ...configPath(common.options)]));
  if (report(io, usage)) return EXIT_USAGE;

  const diagnostics: Diagnostic[] = [];
  if (common.options.backend === 'ipvs') {
    if (output === 'restore-delta') {
      report(io, [diag('KPC040', '--output restore-delta is for the iptables backend (IPVS mode always writes its whole payload)', { file: '<flags>' })]);
      return EXIT_USAGE;
    }
    const reads = inputReads(io);
    const x = await loadIpvsSide(oldPath, formats[0], common.options, io.cwd, reads, diagnostics);
    const y = await loadIpvsSide(newPath, formats[1], common.options, io.cwd, reads, diagnostics);
    if (report(io, diagnostics) || !x || !y) return EXIT_USAGE;
    // Only the parts both sides hold are compared: with none in common, "no differences" would be a lie.
    const parts = (side: typeof x) => [side.servers && 'ipvsadm rules', side.sets && 'ipsets', side.iptables && 'iptables rules'].filter((p): p is string => Boolean(p));
    if (!parts(x).some((p) => parts(y).includes(p))) {
      const held = (side: typeof x) => parts(side).join(' and ') || 'nothing';
      report(io, [diag('KPC040', `the two sides have no part in common to compare: OLD holds ${held(x)}, NEW holds ${held(y)} (give dumps of the same kind, or manifests on one side)`, { file: '<flags>' })]);
      return EXIT_USAGE;
    }
    const changes = diffIpvs(x, y);
    if (output === 'json') io.stdout(`${JSON.stringify({ schema: 'kproxy-compile/diff-ipvs/v1', equal: changes.length === 0, changes }, null, 2)}\n`);
    else io.stdout(renderIpvsDiffText(changes, colorsFor(io, opts.color === false)));
    return changes.length ? EXIT_DIFFERENT : EXIT_OK;
  }
  const allChains = opts.allChains === true;
  const request = (path: string, format: SideFormat): SideRequest => ({ path, format, common: common.options, allChains, cwd: io.cwd });
  const { a, b, diagnostics: loading } = await loadSides(request(oldPath, formats[0]), request(newPath, formats[1]), io);
  diagnostics.push(...loading);
  if (report(io, diagnostics) || !a || !b) return EXIT_USAGE;

  if (output === 'restore-delta') {
    if (!a.model || !b.model) {
      report(io, [diag('KPC040', '--output restore-delta needs manifests on both sides (it replays kube-proxy state changes)', { file: '<flags>' })]);
      return EXIT_USAGE;
    }
    const full = opts.fullSync === true;
    const defer = opts.deferChainCleanup === true;
    if (defer && !isLargeCluster(b.model)) {
      report(io, [diag('KPC032', `--defer-chain-cleanup changes nothing here: NEW has ${b.model.totalEndpoints} endpoints, and below large-cluster mode (more than ${LARGE_CLUSTER_ENDPOINTS}) kube-proxy deletes unused chains on every sync`, { file: '<flags>' })]);
    }
    const pair = lowerPair(a.model, b.model, 'delta', full);
    // Written as the rendered UTF-8 chunks: a large payload is never decoded to one string.
    for (const chunk of restoreChunks(restoreDelta(a.model, pair.oldRules, b.model, pair.newRules, full, pair.changed, defer))) io.stdout(chunk);
    // Exit as diff(1) does: 1 when the states differ.
    return pair.changed.size > 0 || nodeFingerprint(a.model) !== nodeFingerprint(b.model) ? EXIT_DIFFERENT : EXIT_OK;
  }
  let oldState: RuleState;
  let newState: RuleState;
  if (a.model && b.model) {
    const pair = lowerPair(a.model, b.model, 'diff');
    // The two rulesets share the rule objects of what did not change: make their keys and chain states once.
    const shared = { keys: new Map<Rule, string>(), built: new Map() };
    oldState = stateFromRuleset(pair.oldRules, { allChains, ...shared });
    newState = stateFromRuleset(pair.newRules, { allChains, ...shared });
  } else {
    oldState = a.state ?? a.compiled ?? compiledState(a.model!, allChains);
    newState = b.state ?? b.compiled ?? compiledState(b.model!, allChains);
  }
  const result = diffAnnotated(oldState, newState);
  if (output === 'json') {
    io.stdout(`${JSON.stringify({ schema: 'kproxy-compile/diff/v1', equal: result.changes.length === 0, summary: result.summary, changes: result.changes }, null, 2)}\n`);
  } else {
    io.stdout(renderDiffText(result, colorsFor(io, opts.color === false)));
  }
  return result.changes.length === 0 ? EXIT_OK : EXIT_DIFFERENT;
}
