import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { NodeSettings } from '../settings/nodeSettings.js';
import type { Family } from '../util/ip.js';
import { settingsFromFlags } from './nodeFlags.js';

export interface CommonOptions {
  readonly backend: 'iptables' | 'ipvs';
  readonly family: Family;
  readonly flags: Partial<NodeSettings>;
  readonly configFile?: string;
}

/**
 * Problems with the input paths a command was given: an empty one (it would read the working
 * directory), and `-` more than once (standard input can be read once).
 */
export function pathProblems(paths: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (paths.some((p) => p === '')) out.push(diag('KPC040', 'an input path is empty: name a file or directory (. for the working directory)', { file: '<flags>' }));
  if (paths.filter((p) => p === '-').length > 1) out.push(diag('KPC040', '- (standard input) is given more than once: it can be read once', { file: '<flags>' }));
  return out;
}

/** The --config path among a command's inputs (for pathProblems: `-` is standard input there too). */
export function configPath(options: CommonOptions): string[] {
  return options.configFile ? [options.configFile] : [];
}

/** Validates the options every compiling command shares: backend, family and node flags. */
export function commonOptions(opts: Record<string, unknown>): { options: CommonOptions; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  // Any case, as for --family: `--backend IPVS` is no different request.
  const backend = String(opts.backend ?? 'iptables').toLowerCase();
  if (backend !== 'iptables' && backend !== 'ipvs') diagnostics.push(diag('KPC040', `--backend ${JSON.stringify(String(opts.backend))} is not supported (supported: iptables, ipvs)`, { file: '<flags>' }));
  const familyText = String(opts.family ?? 'ipv4').toLowerCase();
  if (familyText !== 'ipv4' && familyText !== 'ipv6') diagnostics.push(diag('KPC040', `--family must be ipv4 or ipv6, found ${JSON.stringify(opts.family)}`, { file: '<flags>' }));
  if (opts.config === '') diagnostics.push(diag('KPC040', '--config must name a KubeProxyConfiguration file, found an empty value', { file: '<flags>' }));
  const flags = settingsFromFlags(opts);
  diagnostics.push(...flags.diagnostics);
  return {
    options: { backend: backend === 'ipvs' ? 'ipvs' : 'iptables', family: familyText === 'ipv6' ? 'IPv6' : 'IPv4', flags: flags.settings, configFile: typeof opts.config === 'string' ? opts.config : undefined },
    diagnostics,
  };
}
