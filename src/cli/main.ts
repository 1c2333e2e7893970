import { Command, CommanderError } from 'commander';
import { diag } from '../diagnostics/diagnostic.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, report } from './report.js';
import type { Io } from './io.js';
import { addNodeFlags, normaliseBooleanFlags } from './nodeFlags.js';
import { runCompile } from './compileCommand.js';

export { EXIT_OK, EXIT_DIFFERENT, EXIT_USAGE, EXIT_INTERNAL } from './report.js';

/**
 * What the argument parser would print about a command line it refuses: kept, and said as one
 * `<flags>: error KPC040` line as every other usage problem is.
 */
interface ParserErrors {
  text: string;
}

/** A subcommand that reports through `io` and the options every compiling command shares. */
function subcommand(name: string, io: Io, errors: ParserErrors, backends: string): Command {
  return new Command(name)
    .option('--backend <name>', backends, 'iptables')
    .option('--family <family>', 'ipv4 or ipv6', 'ipv4')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => { errors.text += s; } })
    .showHelpAfterError(`(run kproxy-compile ${name} --help for usage)`);
}

function buildProgram(io: Io, run: { exit: number }, errors: ParserErrors): Command {
  const program = new Command('kproxy-compile')
    .description('Compile Kubernetes Services and EndpointSlices into the exact rules kube-proxy programs on a node.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => { errors.text += s; } })
    .showHelpAfterError('(run kproxy-compile --help for usage)');

  const compile = subcommand('compile', io, errors, 'iptables or ipvs')
    .description('compile manifests into the rules for one node (the default command)')
    .argument('[paths...]', 'files, directories (recursive *.yaml, *.yml, *.json) or - for stdin')
    .option('--format <format>', 'iptables: save (default: the node iptables-save view), restore (kube-proxy payload), model (JSON); ipvs: all (default), ipvsadm, ipset, restore, addresses, model')
    .option('-o, --output <file>', 'write to FILE atomically instead of stdout');
  addNodeFlags(compile).action(async (paths: string[], opts: Record<string, unknown>) => {
    run.exit = await runCompile(paths, opts, io);
  });
  program.addCommand(compile, { isDefault: true });

  const diff = subcommand('diff', io, errors, 'iptables or ipvs (ipvs: ipvsadm -Sn, ipset save or --format all dumps)')
    .description('compare two states (manifests or rules dumps); exit 0 when equal, 1 when different')
    .argument('<old>', 'manifests (file or directory) or a rules dump (iptables-save / --format save|restore output)')
    .argument('<new>', 'the same, for the new state')
    .option('--output <kind>', 'text, json (the typed change list) or restore-delta (the partial-sync payload)', 'text')
    .option('--old-format <format>', 'auto, manifests or rules', 'auto')
    .option('--new-format <format>', 'auto, manifests or rules', 'auto')
    .option('--all-chains', 'also compare chains kube-proxy does not own (INPUT, other software)')
    .option('--full-sync', 'with --output restore-delta: the payload of a full sync (after a failure or a flushed table)')
    .option('--defer-chain-cleanup', 'with --output restore-delta, in large-cluster mode: a sync within the sync period of the last chain cleanup, which leaves unused chains in place')
    .option('--no-color', 'never colour the text report');
  addNodeFlags(diff).action(async (oldPath: string, newPath: string, opts: Record<string, unknown>) => {
    // Loaded on use: compiling never pays for the diff and churn modules.
    const { runDiff } = await import('./diffCommand.js');
    run.exit = await runDiff(oldPath, newPath, opts, io);
  });
  program.addCommand(diff);

  const churn = subcommand('churn', io, errors, 'iptables')
    .description('replay cluster states (paths in order, or a timeline) and report each step')
    .argument('[states...]', 'manifest paths, one per state, in order')
    .option('--timeline <file>', 'a Timeline file: a start state plus events (scale, rollout, notReady, ready, deleteService)')
    .option('--output <kind>', 'text or json', 'text');
  addNodeFlags(churn).action(async (paths: string[], opts: Record<string, unknown>) => {
    const { runChurn } = await import('./churnCommand.js');
    run.exit = await runChurn(paths, opts, io);
  });
  program.addCommand(churn);
  return program;
}

/**
 * The whole CLI, in-process: parses argv (without node and script), runs the command, returns the
 * exit code. Only bin/ touches process.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const run = { exit: EXIT_OK };
  const errors: ParserErrors = { text: '' };
  try {
    const pre = normaliseBooleanFlags(argv);
    if (report(io, pre.diagnostics)) return EXIT_USAGE;
    await buildProgram(io, run, errors).parseAsync(pre.argv, { from: 'user' });
    return run.exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        // Help asked for in a way that goes to stderr (`help` of a command with nothing else) is still shown.
        io.stderr(errors.text);
        return EXIT_OK;
      }
      const said = errors.text || e.message;
      const text = said.split('\n').map((l) => l.trim().replace(/^error: /, '')).filter(Boolean).join(' ');
      report(io, [diag('KPC040', text, { file: '<flags>' })]);
      return EXIT_USAGE;
    }
    const err = e as Error;
    io.stderr(`kproxy-compile: internal error (this is a bug): ${err?.message ?? String(e)}\n`);
    if (io.env.KPROXY_COMPILE_DEBUG) io.stderr(`${err?.stack ?? ''}\n`);
    return EXIT_INTERNAL;
  }
}
