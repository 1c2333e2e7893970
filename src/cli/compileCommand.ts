import { diag } from '../diagnostics/diagnostic.js';
import { lowerIptables } from '../backends/iptables/lowerIptables.js';
import { renderRestore } from '../backends/iptables/renderRestore.js';
import { renderSave } from '../backends/iptables/renderSave.js';
import { lowerIpvs } from '../backends/ipvs/lowerIpvs.js';
import { renderIpvsFormat } from '../backends/ipvs/renderIpvs.js';
import type { Io } from './io.js';
import { loadNodeView } from './loadNodeView.js';
import { EXIT_OK, EXIT_USAGE, report } from './report.js';
import { commonOptions } from './commonOptions.js';
import { writeAtomically } from './writeOutput.js';

const FORMATS = { iptables: ['save', 'restore', 'model'], ipvs: ['all', 'ipvsadm', 'ipset', 'restore', 'addresses', 'model'] } as const;

/** `kproxy-compile compile`: manifests in, one node's rules out. */
export async function runCompile(paths: string[], opts: Record<string, unknown>, io: Io): Promise<number> {
  const common = commonOptions(opts);
  const usage = [...common.diagnostics];
  const formats: readonly string[] = FORMATS[common.options.backend];
  const format = typeof opts.format === 'string' ? opts.format : formats[0];
  if (!formats.includes(format)) usage.push(diag('KPC040', `--format must be one of ${formats.join(', ')} for --backend ${common.options.backend}, found ${JSON.stringify(format)}`, { file: '<flags>' }));
  if (paths.length === 0) usage.push(diag('KPC040', 'no input: give files, directories or - for stdin', { file: '<flags>' }));
  if (report(io, usage)) return EXIT_USAGE;

  const view = await loadNodeView({ paths, ...common.options }, { cwd: io.cwd, readStdin: io.readStdin });
  if (report(io, view.diagnostics) || !view.model) return EXIT_USAGE;

  let text: string;
  if (format === 'model') text = `${JSON.stringify(view.model, null, 2)}\n`;
  else if (common.options.backend === 'ipvs') text = renderIpvsFormat(lowerIpvs(view.model), format);
  else {
    const rules = lowerIptables(view.model);
    text = format === 'restore' ? renderRestore(rules) : renderSave(rules);
  }
  if (typeof opts.output === 'string') {
    try {
      await writeAtomically(opts.output, text, io.cwd);
    } catch (e) {
      report(io, [diag('KPC001', `cannot write ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? e}`, { file: opts.output })]);
      return EXIT_USAGE;
    }
  } else io.stdout(text);
  return EXIT_OK;
}
