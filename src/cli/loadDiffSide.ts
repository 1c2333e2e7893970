import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { NodeModel } from '../model/types.js';
import { parseIptables } from '../backends/iptables/parseIptables.js';
import { chainsLeftOut, stateFromDump, stateFromDumpText, stateFromRuleset, type RuleState } from '../diff/ruleState.js';
import { setAsideAgreeing } from '../diff/setAsideAgreeing.js';
import { lowerIptables } from '../backends/iptables/lowerIptables.js';
import type { CommonOptions } from './commonOptions.js';
import type { Io } from './io.js';
import { loadNodeView, type NodeViewBase } from './loadNodeView.js';
import { dumpHint } from './dumpHint.js';
import { firstLine, readSideHead, readSideText, shownName } from './sideInput.js';
import { ipvsDumpKind } from './ipvsDiff.js';
import { inputReads, type InputReads } from './inputReads.js';

export const SIDE_FORMATS = ['auto', 'manifests', 'rules'] as const;
export type SideFormat = (typeof SIDE_FORMATS)[number];

/**
 * One side of a diff: compiled manifests (a model, lowered once both sides are known; `compiled`
 * is its state when it was needed early) or a parsed rules dump.
 */
export type Side = { readonly state: RuleState; readonly model?: undefined } | { readonly model: NodeModel; readonly state?: undefined; readonly compiled?: RuleState };

/** What loading one side needs. */
export interface SideRequest {
  readonly path: string;
  readonly format: SideFormat;
  readonly common: CommonOptions;
  readonly allChains: boolean;
  readonly cwd: string;
}

interface Loaded {
  readonly side?: Side;
  readonly diagnostics: Diagnostic[];
  /** For a dump read against a model: the compiled state it is to be compared with. */
  readonly reference?: RuleState;
  /** For manifests loaded with `share.record`: what a load of the other state can take over. */
  readonly base?: NodeViewBase;
}

/**
 * A rules dump starts (after comments and blank lines) with a `*table` line, or at least a chain
 * or rule line; the first 4 KiB decide. A stray line or two ahead of it (a shell's warning
 * captured with the dump) does not
 * make it manifests: an unindented `*table` line followed by a chain or rule line is a dump's
 * (in YAML it would be a bare alias, which no manifest has), and the parser names the stray lines.
 */
export async function looksLikeRules(path: string, cwd: string, reads: InputReads): Promise<boolean> {
  const head = await readSideHead(path, cwd, reads);
  const line = head && firstLine(head);
  if (line === undefined) return false;
  if (/^\*[a-z]+$/.test(line)) return true;
  // A chain, policy or rule line first: iptables rules that lost their table line (`iptables -S`
  // output, or a dump cut short). No manifest starts so; the dump parser says what is missing.
  if (/^(:[A-Z][A-Za-z0-9_.-]* |-[APN] [A-Z])/.test(line)) return true;
  return /^\*(filter|nat|mangle|raw|security)\r?\n(#[^\n]*\n|\s*\n)*(:[A-Z]|-A )/m.test(head!.toString('utf8'));
}

/** Whether a side is read as a rules dump (else as manifests). */
async function isRules(req: SideRequest, reads: InputReads): Promise<boolean> {
  return req.format === 'rules' || (req.format === 'auto' && (await looksLikeRules(req.path, req.cwd, reads)));
}

/**
 * Loads one side: a rules dump parsed into a state, or manifests compiled into a node model. A
 * dump read `against` the other side's model is compared with its compiled rules while it is
 * read: per-service chains that agree are set aside on both sides (see setAsideAgreeing), and of
 * the rest only chains whose text differs are parsed (see stateFromDumpText); `reference` comes
 * back as the compiled state to compare with. `rules` is the side's kind when already known.
 */
export async function loadSide(req: SideRequest, reads: InputReads, against?: NodeModel, rules?: boolean, share?: { readonly from?: NodeViewBase; readonly record?: boolean }): Promise<Loaded> {
  const diagnostics: Diagnostic[] = [];
  if (rules ?? (await isRules(req, reads))) {
    const text = await readSideText(req.path, req.cwd, reads, diagnostics);
    if (text === undefined) return { diagnostics };
    const hint = dumpHint(text, req.common.family, shownName(req.path));
    if (hint) diagnostics.push(hint);
    if (against) {
      const opts = { allChains: req.allChains };
      const remainder = setAsideAgreeing(text, against, opts);
      if (remainder) {
        const read = stateFromDumpText(remainder.text, shownName(req.path), opts, remainder.reference, remainder.aside);
        // Problems are located in the whole dump: reading it whole reports them.
        if (read.state && read.diagnostics.length === 0) return { side: { state: read.state }, diagnostics, reference: remainder.reference };
      }
      const reference = compiledState(against, req.allChains);
      const read = stateFromDumpText(text, shownName(req.path), opts, reference);
      diagnostics.push(...read.diagnostics);
      return { side: read.state ? { state: read.state } : undefined, diagnostics, reference };
    }
    const parsed = parseIptables(text, shownName(req.path), { skip: chainsLeftOut({ allChains: req.allChains }) });
    diagnostics.push(...parsed.diagnostics);
    return { side: parsed.dump ? { state: stateFromDump(parsed.dump, req.common.family, { allChains: req.allChains }) } : undefined, diagnostics };
  }
  if (req.format === 'auto') {
    const head = await readSideHead(req.path, req.cwd, reads);
    const kind = head && ipvsDumpKind(head);
    if (kind) return { diagnostics: [diag('KPC040', `${shownName(req.path)} is ${kind}: compare IPVS mode's dumps with --backend ipvs`, { file: '<flags>' })] };
  }
  const view = await loadNodeView({ paths: [req.path], ...req.common }, { cwd: req.cwd, ...reads }, share);
  diagnostics.push(...view.diagnostics);
  return { side: view.model ? { model: view.model } : undefined, diagnostics, base: view.base };
}

/** The state of compiled rules as a diff compares them (iptables backend). */
export function compiledState(model: NodeModel, allChains: boolean): RuleState {
  return stateFromRuleset(lowerIptables(model, undefined, 'none'), { allChains });
}

/**
 * Loads OLD and NEW; diagnostics in that order. One thread reads stdin and files in the order
 * given. When one side is manifests and the other a rules dump (checking a node against what it
 * should have), the manifests are compiled first so the dump is read against them: on a large
 * node that agrees, most of the dump is then compared as text instead of parsed.
 */
export async function loadSides(oldReq: SideRequest, newReq: SideRequest, io: Io): Promise<{ a?: Side; b?: Side; diagnostics: Diagnostic[] }> {
  // Standard input (at most one side) and pipes are read whole the first time they are wanted:
  // their content decides whether they are dumps, and a side may be read twice (see below).
  const reads = inputReads(io);
  if (oldReq.common.backend === 'iptables') {
    const [oldRules, newRules] = [await isRules(oldReq, reads), await isRules(newReq, reads)];
    if (oldRules !== newRules) {
      const manifests = await loadSide(oldRules ? newReq : oldReq, reads, undefined, false);
      const model = manifests.side?.model;
      const dump = await loadSide(oldRules ? oldReq : newReq, reads, model, true);
      const m: Side | undefined = model ? { model, compiled: dump.reference } : undefined;
      return oldRules
        ? { a: dump.side, b: m, diagnostics: [...dump.diagnostics, ...manifests.diagnostics] }
        : { a: m, b: dump.side, diagnostics: [...manifests.diagnostics, ...dump.diagnostics] };
    }
    if (!oldRules) {
      // Two states of one cluster: NEW first, then OLD decoded and modelled only where it differs.
      // Shared objects name NEW's file, so an OLD with a diagnostic naming such a file is read
      // again on its own.
      const next = await loadSide(newReq, reads, undefined, false, { record: true });
      let old = await loadSide(oldReq, reads, undefined, false, { from: next.base });
      const newFiles = next.base?.files;
      if (newFiles && oldReq.path !== newReq.path && old.diagnostics.some((d) => d.file !== undefined && newFiles.has(d.file))) {
        old = await loadSide(oldReq, reads, undefined, false);
      }
      return { a: old.side, b: next.side, diagnostics: [...old.diagnostics, ...next.diagnostics] };
    }
  }
  const old = await loadSide(oldReq, reads);
  const oldState = old.side?.state;
  // Two dumps (say, one node before and after a rollout): NEW is read against OLD, so its chains
  // whose lines read exactly as OLD's keys share OLD's state instead of being parsed. Only when OLD
  // read without a single diagnostic: a set-aside line must not hide a warning it would give.
  if (oldState && old.diagnostics.length === 0 && (await isRules(newReq, reads))) {
    const diagnostics: Diagnostic[] = [];
    const text = await readSideText(newReq.path, newReq.cwd, reads, diagnostics);
    if (text === undefined) return { a: old.side, diagnostics };
    const read = stateFromDumpText(text, shownName(newReq.path), { allChains: newReq.allChains }, oldState);
    const hint = dumpHint(text, newReq.common.family, shownName(newReq.path));
    return { a: old.side, b: read.state ? { state: read.state } : undefined, diagnostics: hint ? [hint, ...read.diagnostics] : read.diagnostics };
  }
  const next = await loadSide(newReq, reads);
  return { a: old.side, b: next.side, diagnostics: [...old.diagnostics, ...next.diagnostics] };
}
