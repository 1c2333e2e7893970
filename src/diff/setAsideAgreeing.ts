import type { NodeModel, ServicePort } from '../model/types.js';
import { lowerIptables } from '../backends/iptables/lowerIptables.js';
import { prerender } from '../backends/iptables/prerender.js';
import { writeSaveRule } from '../backends/iptables/writeSaveRule.js';
import { stateFromRuleset, type RuleState, type StateOptions } from './ruleState.js';

/** What is left to compare once the service ports whose own chains agree are set aside. */
export interface Remainder {
  /** The dump without those chains' declarations and rules. */
  readonly text: string;
  /** The compiled state without those chains. */
  readonly reference: RuleState;
  /** The nat chains set aside: declared in the dump, though `text` no longer declares them. */
  readonly aside: ReadonlySet<string>;
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d;
/** Cuts are packed as start * CUT_LENGTH + length: exact in a double for texts up to 2 GiB. */
const CUT_LENGTH = 2 ** 22;

/**
 * Checking a node: the dump's per-service chains that read exactly as the compiled ones, taken
 * out of both sides before either is turned into a state. A chain that agrees adds nothing to a
 * diff; on a node that agrees with its manifests that is nearly every one of a large cluster's
 * chains, and building their states (their rules, their keys) was most of the work. The check
 * is made per service port: its own chains (SVC, SVL, EXT, FW, SEP) are set aside together or
 * not at all, so what a changed chain is named after (its SVC chain, say) stays on both sides.
 * Entry and fixed chains always stay (a node writes KUBE-SERVICES in map order).
 *
 * A chain agrees when its rules are one run of lines in the nat table, byte for byte the
 * compiled (ASCII) text, and it is declared there once. Any line with surrounding blanks (which
 * the reader would trim) leaves the whole dump as it is: undefined.
 */
export function setAsideAgreeing(text: string, m: NodeModel, opts: StateOptions): Remainder | undefined {
  const v6 = m.family === 'IPv6';
  const pre = prerender(m, (r, out) => writeSaveRule(r, v6, out));
  // Each own chain: its index in the prerendered chains and its service port, then where the dump
  // declares it (-1: nowhere, -2: twice) and where its rules lie (`runs`: in how many runs of lines).
  interface Own { readonly index: number; readonly port: number; decl: number; runs: number; start: number; end: number }
  const own = new Map<string, Own>();
  for (let i = 0; i < pre.ownChains.length; i++) own.set(pre.ownChains[i], { index: i, port: pre.ownPort[i], decl: -1, runs: 0, start: 0, end: 0 });
  /**
   * Whether text[start, end) is, character for byte, the chain's rendered rules. Only ASCII is
   * compared so (a byte of a longer UTF-8 sequence could equal an unrelated character); a chain
   * with anything else is compared the slow way.
   */
  const sameAsCompiled = (o: Own, start: number, end: number): boolean => {
    let at = start;
    for (let r = pre.firstRun[o.index]; r >= 0; r = pre.nextRun[r]) {
      const seg = pre.arena.segment(pre.runs[3 * r]);
      const from = pre.runs[3 * r + 1];
      const to = pre.runs[3 * r + 2];
      if (at + (to - from) > end) return false;
      for (let k = from; k < to; k++) {
        const b = seg[k];
        if (b > 0x7f || text.charCodeAt(at++) !== b) return false;
      }
    }
    return at === end;
  };

  // One pass over the dump's lines, noting the nat table's declarations and runs of rules.
  let table = '';
  let runChain = '';
  let runStart = -1;
  const closeRun = (end: number) => {
    if (runStart < 0) return;
    const o = own.get(runChain);
    if (o) {
      o.runs++;
      o.start = runStart;
      o.end = end;
    }
    runStart = -1;
  };
  for (let at = 0; at < text.length; ) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    const last = nl < 0 ? text.length - 1 : nl - 1;
    if (last >= at && (isBlank(text.charCodeAt(at)) || isBlank(text.charCodeAt(last)))) return undefined;
    const first = text.charCodeAt(at);
    if (first === 0x2d && text.startsWith('-A ', at)) {
      if (runStart >= 0 && text.startsWith(runChain, at + 3) && text.charCodeAt(at + 3 + runChain.length) === 0x20) {
        at = end;
        continue;
      }
      closeRun(at);
      if (table === 'nat') {
        const space = text.indexOf(' ', at + 3);
        runChain = text.slice(at + 3, space < 0 || space > last ? last + 1 : space);
        runStart = at;
      }
    } else {
      closeRun(at);
      if (first === 0x2a) table = text.slice(at + 1, last + 1);
      else if (first === 0x3a && table === 'nat') {
        const space = text.indexOf(' ', at);
        const o = own.get(text.slice(at + 1, space < 0 || space > last ? last + 1 : space));
        if (o) o.decl = o.decl === -1 ? at : -2;
      }
    }
    at = end;
  }
  closeRun(text.length);

  // A service port is set aside when every own chain of it agrees.
  const differs = new Set<number>();
  for (const o of own.values()) {
    const agrees = o.decl >= 0 && (o.runs === 0 ? pre.firstRun[o.index] < 0 : o.runs === 1 && sameAsCompiled(o, o.start, o.end));
    if (!agrees) differs.add(o.port);
  }
  const asidePorts = new Set<ServicePort>();
  m.servicePorts.forEach((sp, i) => { if (!differs.has(i)) asidePorts.add(sp); });

  // The dump without the set-aside chains' lines, as pieces between them. Each cut is packed into
  // one number (start, then length) so that a numeric sort puts them in text order.
  const cuts: number[] = [];
  let packable = true;
  const cutOut = (start: number, end: number) => {
    if (end - start >= CUT_LENGTH) packable = false;
    cuts.push(start * CUT_LENGTH + (end - start));
  };
  const aside = new Set<string>();
  for (const [name, o] of own) {
    if (differs.has(o.port)) continue;
    aside.add(name);
    const nl = text.indexOf('\n', o.decl);
    cutOut(o.decl, nl < 0 ? text.length : nl + 1);
    if (o.runs) cutOut(o.start, o.end);
  }
  // A run too long to pack (megabytes of one chain's rules): leave the dump as it is.
  if (!packable) return undefined;
  const sorted = Float64Array.from(cuts).sort();
  const pieces: string[] = [];
  let from = 0;
  for (const c of sorted) {
    const start = Math.floor(c / CUT_LENGTH);
    pieces.push(text.slice(from, start));
    from = start + (c % CUT_LENGTH);
  }
  pieces.push(text.slice(from));
  const reference = stateFromRuleset(lowerIptables(m, (sp) => asidePorts.has(sp), 'none'), opts);
  return { text: pieces.join(''), reference, aside };
}
