import { open, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { NodeModel } from '../model/types.js';
import { parseIptables } from '../backends/iptables/parseIptables.js';
import { stateFromDump, type RuleState } from '../diff/ruleState.js';
import type { CommonOptions } from './commonOptions.js';
import type { Io } from './io.js';
import { loadNodeView } from './loadNodeView.js';
import { readTextFile } from './readTextFile.js';

export const SIDE_FORMATS = ['auto', 'manifests', 'rules'] as const;
export type SideFormat = (typeof SIDE_FORMATS)[number];

/** One side of a diff: compiled manifests (a model, lowered once both sides are known) or a parsed rules dump. */
export type Side = { readonly state: RuleState; readonly model?: undefined } | { readonly model: NodeModel; readonly state?: undefined };

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
}

/** A rules dump starts (after comments and blank lines) with a `*table` line. */
async function looksLikeRules(path: string, cwd: string): Promise<boolean> {
  if (path === '-') return false;
  const abs = isAbsolute(path) ? path : join(cwd, path);
  try {
    if ((await stat(abs)).isDirectory()) return false;
    // The first 4 KiB decide; a large manifest is not read twice.
    const file = await open(abs, 'r');
    let bytes: Buffer;
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await file.read(buf, 0, buf.length, 0);
      bytes = buf.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
    const head = bytes.toString('utf8').split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
    return head !== undefined && /^\*[a-z]+$/.test(head);
  } catch {
    return false;
  }
}

/** Loads one side: a rules dump parsed into a state, or manifests compiled into a node model. */
export async function loadSide(req: SideRequest, readStdin: Io['readStdin']): Promise<Loaded> {
  const diagnostics: Diagnostic[] = [];
  const rules = req.format === 'rules' || (req.format === 'auto' && (await looksLikeRules(req.path, req.cwd)));
  if (rules) {
    const text = await readTextFile(req.path, req.cwd, diagnostics);
    if (text === undefined) return { diagnostics };
    const parsed = parseIptables(text, req.path);
    diagnostics.push(...parsed.diagnostics);
    return { side: parsed.dump ? { state: stateFromDump(parsed.dump, req.common.family, { allChains: req.allChains }) } : undefined, diagnostics };
  }
  const view = await loadNodeView({ paths: [req.path], ...req.common }, { cwd: req.cwd, readStdin });
  diagnostics.push(...view.diagnostics);
  return { side: view.model ? { model: view.model } : undefined, diagnostics };
}

/** Loads OLD, then NEW (one thread reads stdin and files in the order given); diagnostics in that order. */
export async function loadSides(oldReq: SideRequest, newReq: SideRequest, io: Io): Promise<{ a?: Side; b?: Side; diagnostics: Diagnostic[] }> {
  const old = await loadSide(oldReq, io.readStdin);
  const next = await loadSide(newReq, io.readStdin);
  return { a: old.side, b: next.side, diagnostics: [...old.diagnostics, ...next.diagnostics] };
}
