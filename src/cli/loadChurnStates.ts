import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { diag, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { decodeSource, type InputHost } from '../input/readInputs.js';
import { pathText, type RawObject } from '../input/rawObject.js';
import { buildModel } from '../model/buildModel.js';
import { applyEvent, eventProblem, eventStateCount } from '../churn/applyEvent.js';
import { compileState, type Compiled } from '../churn/churnStep.js';
import { decodeTimeline } from '../churn/timeline.js';
import type { CommonOptions } from './commonOptions.js';
import { loadNodeView } from './loadNodeView.js';
import { ioReason } from '../util/ioReason.js';
import { readWhole } from '../util/readWhole.js';
import { isPlainFile, type InputReads } from './inputReads.js';
import { readSideHead, shownName } from './sideInput.js';
import { ipvsDumpKind } from './ipvsDiff.js';
import { looksLikeRules } from './loadDiffSide.js';

/**
 * The most states one timeline may expand to. Each is compiled whole, so a rollout of n endpoints
 * (2n states of n endpoints each) costs n² work; past this a run takes minutes, and a longer story
 * is better told as several timelines.
 */
export const MAX_TIMELINE_STATES = 2000;

export interface ChurnState {
  readonly name: string;
  readonly compiled: Compiled;
}

/**
 * The compiled states of a churn run: one per path, or a timeline's start plus every event's
 * result. With `visit`, each state goes to it as soon as it is compiled and none is kept (a long
 * timeline has thousands of states); the caller keeps what it needs.
 */
export async function loadChurnStates(src: { paths: readonly string[]; timeline?: string }, options: CommonOptions, host: InputHost, visit?: (s: ChurnState) => void): Promise<{ states?: ChurnState[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const errors = () => hasErrors(diagnostics);
  const kept: ChurnState[] = [];
  const states = { push: (s: ChurnState) => (visit ? visit(s) : kept.push(s)) };
  if (src.timeline) {
    // `-` is standard input, as for state paths. Its `start` is then relative to the working
    // directory, and so is that of a timeline named as standard input (/dev/stdin) or that is
    // not a plain file (a pipe, as `<(…)` gives): /dev/fd is no place to look for a cluster.
    const stdin = src.timeline === '-';
    const file = stdin ? '<stdin>' : src.timeline;
    const abs = isAbsolute(file) ? file : join(host.cwd, file);
    const piped = stdin || host.isStdin?.(abs) === true || !isPlainFile(abs);
    let bytes: Buffer;
    try {
      bytes = stdin ? await host.readStdin() : await (host.readFile ?? readWhole)(abs);
    } catch (e) {
      return { diagnostics: [diag('KPC001', `cannot read ${file}: ${ioReason(e)}`, { file })] };
    }
    const raws: RawObject[] = [];
    decodeSource(file, bytes, raws, diagnostics);
    if (raws.length !== 1 && !errors()) diagnostics.push(diag('KPC060', 'a timeline file holds exactly one document', { file }));
    const t = raws.length === 1 ? decodeTimeline(raws[0]) : { timeline: undefined, diagnostics: [] };
    diagnostics.push(...t.diagnostics);
    if (errors() || !t.timeline) return { diagnostics };
    // `start` is relative to the timeline file, unless absolute.
    const start = isAbsolute(t.timeline.start) || piped ? t.timeline.start : join(dirname(file), t.timeline.start);
    // A start that cannot be read is the timeline's mistake: named at its `start:` line.
    const missing = await stat(isAbsolute(start) ? start : join(host.cwd, start)).then(() => undefined, (e: unknown) => ioReason(e));
    if (missing) {
      const shown = start !== t.timeline.start ? `${t.timeline.start} (${start})` : piped && !isAbsolute(start) ? `${start} (from the working directory: a timeline read from standard input or a pipe has no directory of its own)` : start;
      return { diagnostics: [diag('KPC001', `cannot read ${shown}: ${missing}`, { file, line: raws[0].locate(['start']), object: 'Timeline', field: 'start' })] };
    }
    const view = await loadNodeView({ paths: [start], ...options }, host);
    diagnostics.push(...view.diagnostics);
    if (errors() || !view.model || !view.cluster || !view.settings) return { diagnostics };
    states.push({ name: t.timeline.start, compiled: compileState(view.model) });
    let cluster = view.cluster;
    let expanded = 0;
    for (const s of t.timeline.steps) {
      const problem = eventProblem(cluster, s.event);
      if (problem) {
        const path = ['steps', s.index, s.event.kind, ...problem.field];
        diagnostics.push(diag('KPC060', problem.message, { file, line: raws[0].locate(path), object: 'Timeline', field: pathText(path) }));
        return { diagnostics };
      }
      expanded += eventStateCount(cluster, s.event);
      if (expanded > MAX_TIMELINE_STATES) {
        const path = ['steps', s.index];
        diagnostics.push(diag('KPC060', `the timeline comes to ${expanded} states by this step; at most ${MAX_TIMELINE_STATES} are replayed in one run (split it into several timelines)`, { file, line: raws[0].locate(path), object: 'Timeline', field: pathText(path) }));
        return { diagnostics };
      }
      for (const next of applyEvent(cluster, s.event, s.name)) {
        cluster = next.cluster;
        states.push({ name: next.name, compiled: compileState(buildModel(cluster, view.settings).model) });
      }
    }
  } else {
    for (const p of src.paths) {
      // A state is manifests: a rules dump given as one would only fail to read as YAML.
      const reads: InputReads = { readStdin: host.readStdin, readFile: host.readFile ?? readWhole, isStdin: host.isStdin ?? (() => false) };
      const head = await readSideHead(p, host.cwd, reads);
      const dump = head && (ipvsDumpKind(head) ?? ((await looksLikeRules(p, host.cwd, reads)) ? 'an iptables rules dump' : undefined));
      if (dump) {
        diagnostics.push(diag('KPC040', `${shownName(p)} is ${dump}: churn replays cluster states (manifests); compare dumps with diff`, { file: '<flags>' }));
        return { diagnostics };
      }
      const view = await loadNodeView({ paths: [p], ...options }, host);
      diagnostics.push(...view.diagnostics);
      if (errors() || !view.model) return { diagnostics };
      states.push({ name: shownName(p), compiled: compileState(view.model) });
    }
  }
  // Warnings repeat for every state of a timeline; report each once.
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => { const k = JSON.stringify(d); if (seen.has(k)) return false; seen.add(k); return true; });
  return { states: kept, diagnostics: unique };
}
