import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { writeRestoreOutput } from '../backends/iptables/renderRestore.js';
import { writeSaveOutput } from '../backends/iptables/renderSave.js';
import type { Io } from './io.js';
import { loadNodeView } from './loadNodeView.js';
import { inputReads } from './inputReads.js';
import { EXIT_OK, EXIT_USAGE, report } from './report.js';
import { commonOptions, configPath, pathProblems } from './commonOptions.js';
import { writeAtomically, type ChunkProducer } from './writeOutput.js';
import { ioReason } from '../util/ioReason.js';

const FORMATS = { iptables: ['save', 'restore', 'model'], ipvs: ['all', 'ipvsadm', 'ipset', 'restore', 'addresses', 'model'] } as const;

/** Values of -o that are format names, not files. */
const OUTPUT_SLIPS: ReadonlySet<string> = new Set(['json', 'text', 'yaml', 'restore-delta', ...FORMATS.iptables, ...FORMATS.ipvs]);

/** A KPC040 when `-o` names one of the inputs (the same file, by device and inode): the rules would replace it. */
async function outputIsAnInput(out: string, inputs: readonly string[], cwd: string): Promise<Diagnostic[]> {
  const target = await stat(resolve(cwd, out)).catch(() => undefined);
  if (!target?.isFile()) return [];
  for (const p of inputs) {
    if (p === '-' || p === '') continue;
    const s = await stat(resolve(cwd, p)).catch(() => undefined);
    if (s && s.dev === target.dev && s.ino === target.ino) {
      return [diag('KPC040', `-o/--output ${out} is the input ${p}: the rules would replace the manifests they are compiled from; write them to another file`, { file: '<flags>' })];
    }
  }
  return [];
}

/** `kproxy-compile compile`: manifests in, one node's rules out. */
export async function runCompile(paths: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  const common = commonOptions(opts);
  const usage = [...common.diagnostics];
  const formats: readonly string[] = FORMATS[common.options.backend];
  const format = typeof opts.format === 'string' ? opts.format : formats[0];
  if (!formats.includes(format)) usage.push(diag('KPC040', `--format must be one of ${formats.join(', ')} for --backend ${common.options.backend}, found ${JSON.stringify(format)}`, { file: '<flags>' }));
  if (paths.length === 0) usage.push(diag('KPC040', 'no input: give files, directories or - for stdin', { file: '<flags>' }));
  usage.push(...pathProblems([...paths, ...configPath(common.options)]));
  // diff and churn take --output FORMAT; here -o names a file, and a file called `json` is a slip.
  const out = opts.output;
  if (out === '') usage.push(diag('KPC040', '-o/--output must name a file (or - for stdout), found an empty value', { file: '<flags>' }));
  if (typeof out === 'string' && OUTPUT_SLIPS.has(out)) usage.push(diag('KPC040', `-o/--output takes a file path, found ${JSON.stringify(out)}: the output is chosen with --format (${formats.join(', ')}); write ./${out} for a file of that name`, { file: '<flags>' }));
  if (typeof out === 'string' && out !== '' && out !== '-') usage.push(...(await outputIsAnInput(out, [...paths, ...configPath(common.options)], io.cwd)));
  if (report(io, usage)) return EXIT_USAGE;

  // Only the model is kept: the decoded objects behind it can go before rendering starts.
  const { model, diagnostics } = await loadNodeView({ paths, ...common.options }, { cwd: io.cwd, ...inputReads(io) });
  if (report(io, diagnostics) || !model) return EXIT_USAGE;

  // iptables rules are rendered straight into UTF-8 chunks as they are written: a large output is
  // never one string or one buffer.
  let text: string | ChunkProducer;
  if (format === 'model') text = `${JSON.stringify(model, null, 2)}\n`;
  else if (common.options.backend === 'ipvs') {
    // Loaded only for IPVS, as main loads the diff and churn commands only for them.
    const [{ lowerIpvs }, { renderIpvsFormat }] = await Promise.all([import('../backends/ipvs/lowerIpvs.js'), import('../backends/ipvs/renderIpvs.js')]);
    text = renderIpvsFormat(lowerIpvs(model), format);
  }
  else text = (write) => (format === 'restore' ? writeRestoreOutput : writeSaveOutput)(model, write);
  // `-o -` is standard output, as `-` is standard input among the paths.
  if (typeof opts.output === 'string' && opts.output !== '-') {
    try {
      await writeAtomically(opts.output, text, io.cwd);
    } catch (e) {
      // Only a failed write is the user's problem; anything else is a bug and propagates as one.
      if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
      report(io, [diag('KPC001', `cannot write ${opts.output}: ${ioReason(e)}`, { file: opts.output })]);
      return EXIT_USAGE;
    }
  } else if (typeof text === 'string') io.stdout(text);
  else if (io.stdoutFile) {
    // A file takes each chunk as it is rendered, so the output never sits in memory whole. Nothing
    // can fail in rendering but a bug or a write; either way the file goes back to what it held.
    const file = io.stdoutFile;
    try {
      text((chunk) => file.write(chunk));
    } catch (e) {
      file.rollback();
      if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
      report(io, [diag('KPC001', `cannot write to standard output: ${ioReason(e)}`, { file: '<stdout>' })]);
      return EXIT_USAGE;
    }
  } else {
    // Rendered whole before anything is printed, so a failure prints nothing.
    // The producer reuses its buffer after each chunk, so each is copied.
    const chunks: Buffer[] = [];
    text((chunk) => {
      const copy = Buffer.allocUnsafe(chunk.length);
      chunk.copy(copy);
      chunks.push(copy);
    });
    for (const chunk of chunks) io.stdout(chunk);
  }
  return EXIT_OK;
}
