import { diag, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Match, Rule, TableName, Target } from '../../ir/iptables.js';
import { opaqueRule, spellsBack } from './opaqueRule.js';
import { tokenize } from './tokenize.js';
import { parseCidr, parseIp } from '../../util/ip.js';
import { own } from '../../util/own.js';

/** IPVS protocol numbers as `-m ipvs --vproto` may give them. */
const VPROTO: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '132': 'sctp' };

export { tokenize };

/** One table of a dump: its chains (with policy for built-ins) and rules, in file order. */
export interface DumpTable {
  readonly name: string;
  readonly chains: readonly { readonly name: string; readonly policy: string }[];
  readonly rules: readonly Rule[];
  readonly deleted: readonly string[];
}

export interface Dump {
  readonly tables: readonly DumpTable[];
}

const MARK = /^(0x[0-9a-fA-F]+|[0-9]+)(?:\/(0x[0-9a-fA-F]+|[0-9]+))?$/;

/** A rule outside kube-proxy's vocabulary (another program's): kept as its text. */
class RuleError extends Error {}
/** A value iptables itself refuses (iptables-restore would not load the line): a KPC050. */
class BadValue extends Error {}

const PROBABILITY = /^(0(\.[0-9]*)?|1(\.0*)?|\.[0-9]+)$/;
/** Looks like an address (or address/prefix) rather than a host name iptables would resolve. */
const ADDRESS_LIKE = /^[0-9a-fA-F:.]+(\/[0-9]+)?$/;

/** An -s/-d value: an address as iptables-save prints one must be a valid one. */
function checkedAddress(what: string, value: string): string {
  if (!ADDRESS_LIKE.test(value) || !/[.:]/.test(value)) throw new RuleError(`${what} ${value} is not an address`);
  if (!(value.includes('/') ? parseCidr(value) : parseIp(value))) throw new BadValue(`${what} ${JSON.stringify(value)} is not a valid address or CIDR`);
  return value;
}

/** A --dport value: a port number (a range, a service name: another program's rule). */
function checkedPort(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new RuleError(`--dport ${value}`);
  const port = Number(value);
  if (port > 65535) throw new BadValue(`--dport ${value} is not a port (0-65535)`);
  return port;
}

/** Parses the arguments after `-A CHAIN` (args from index `from` on) into typed matches and a target. */
export function parseRuleArgs(chain: string, args: readonly string[], from = 0): Rule {
  const matches: Match[] = [];
  let target: Target | undefined;
  let negate = false;
  let module = '';
  // `-p` names the protocol; its match module sits where `-m tcp` appears (or nowhere: bare).
  let pendingProto: { proto: 'tcp' | 'udp' | 'sctp'; at: number } | undefined;
  let sawProtocol = false;
  let i = from;
  const next = (what: string): string => {
    if (i >= args.length) throw new BadValue(`${what} needs a value`);
    return args[i++];
  };
  const neg = () => { const n = negate; negate = false; return n ? { negate: true as const } : {}; };
  while (i < args.length) {
    const a = args[i++];
    switch (a) {
      case '!': negate = true; break;
      case '-s': case '--source': matches.push({ kind: 'src', addr: checkedAddress(a, next(a)), ...neg() }); break;
      case '-d': case '--destination': matches.push({ kind: 'dst', addr: checkedAddress(a, next(a)), ...neg() }); break;
      case '-i': case '--in-interface': matches.push({ kind: 'inIface', name: next(a), ...neg() }); break;
      case '-p': case '--protocol': {
        if (sawProtocol) throw new BadValue('multiple -p flags not allowed');
        sawProtocol = true;
        const p = next(a);
        if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw new RuleError(`unsupported protocol ${p}`);
        if (!matches.some((m) => m.kind === 'proto')) pendingProto = { proto: p, at: matches.length };
        break;
      }
      case '-m': case '--match': {
        module = next(a);
        if ((module === 'tcp' || module === 'udp' || module === 'sctp') && !matches.some((m) => m.kind === 'proto')) {
          matches.push({ kind: 'proto', proto: module });
          pendingProto = undefined;
        }
        break;
      }
      case '--dport': case '--destination-port': matches.push({ kind: 'dport', port: checkedPort(next(a)) }); break;
      case '--comment': matches.push({ kind: 'comment', text: next(a) }); break;
      case '--src-type': matches.push({ kind: 'addrtype', dir: 'src', type: next(a) as 'LOCAL', ...neg() }); break;
      case '--dst-type': matches.push({ kind: 'addrtype', dir: 'dst', type: next(a) as 'LOCAL', ...neg() }); break;
      case '--physdev-is-in': matches.push({ kind: 'physdevIsIn', ...neg() }); break;
      case '--vaddr': {
        const vaddr = next(a);
        const opts: Record<string, string> = {};
        while (args[i] === '--vproto' || args[i] === '--vport') { const o = args[i++]; opts[o] = next(o); }
        const proto = own(VPROTO, opts['--vproto'] ?? '') ?? opts['--vproto'] ?? '';
        matches.push({ kind: 'ipvs', vaddr: vaddr.replace(/\/(32|128)$/, ''), vproto: proto, vport: Number(opts['--vport'] ?? 0) });
        break;
      }
      case '--ctstate': matches.push({ kind: 'conntrack', states: next(a), ...neg() }); break;
      case '--mark': {
        const m = MARK.exec(next(a));
        if (!m) throw new RuleError('bad --mark');
        matches.push({ kind: 'mark', value: Number(m[1]), mask: m[2] ? Number(m[2]) : 0xffffffff, ...neg() });
        break;
      }
      case '--set': case '--rcheck': case '--seconds': case '--reap': case '--name': case '--mask': case '--rsource': {
        // -m recent options arrive in either order; gather them into one match.
        i--;
        const opts: Record<string, string> = {};
        while (i < args.length && ['--set', '--rcheck', '--seconds', '--reap', '--name', '--mask', '--rsource'].includes(args[i])) {
          const o = args[i++];
          opts[o] = o === '--seconds' || o === '--name' || o === '--mask' ? next(o) : '';
        }
        if (!('--name' in opts)) throw new RuleError('-m recent without --name');
        if ('--set' in opts) matches.push({ kind: 'recentSet', name: opts['--name'] });
        else if ('--rcheck' in opts) matches.push({ kind: 'recentCheck', name: opts['--name'], seconds: Number(opts['--seconds'] ?? 0) });
        else throw new RuleError('-m recent without --set or --rcheck');
        break;
      }
      case '--mode': if (next(a) !== 'random') throw new RuleError('only --mode random is supported'); break;
      case '--probability': {
        const p = next(a);
        if (!PROBABILITY.test(p)) throw new BadValue(`--probability ${JSON.stringify(p)} is not a number from 0 to 1`);
        matches.push({ kind: 'statistic', probability: p });
        break;
      }
      case '--nfacct-name': matches.push({ kind: 'nfacct', name: next(a) }); break;
      case '--match-set': { const name = next(a); matches.push({ kind: 'set', name, dirs: next(a), ...neg() }); break; }
      case '-j': case '--jump': {
        if (target) throw new BadValue('multiple -j flags not allowed');
        const t = next(a);
        if (t === 'DNAT') target = { kind: 'DNAT', to: '' };
        else if (t === 'MASQUERADE') target = { kind: 'MASQUERADE', randomFully: false };
        else if (t === 'MARK') target = { kind: 'MARK', op: 'or', value: 0 };
        else if (t === 'ACCEPT' || t === 'DROP' || t === 'RETURN' || t === 'REJECT') target = { kind: t };
        else target = { kind: 'jump', chain: t };
        break;
      }
      case '--to-destination': if (target?.kind === 'DNAT') target = { kind: 'DNAT', to: next(a) }; else throw new RuleError('--to-destination outside DNAT'); break;
      case '--random-fully': if (target?.kind === 'MASQUERADE') target = { kind: 'MASQUERADE', randomFully: true }; else throw new RuleError('--random-fully outside MASQUERADE'); break;
      case '--or-mark': target = { kind: 'MARK', op: 'or', value: Number(next(a)) }; break;
      case '--xor-mark': target = { kind: 'MARK', op: 'xor', value: Number(next(a)) }; break;
      case '--set-xmark': {
        const m = MARK.exec(next(a));
        if (!m) throw new RuleError('bad --set-xmark');
        const value = Number(m[1]);
        const mask = m[2] ? Number(m[2]) : 0xffffffff;
        // iptables-save spells --or-mark V as V/V and --xor-mark V as V/0x0.
        if (mask === value) target = { kind: 'MARK', op: 'or', value };
        else if (mask === 0) target = { kind: 'MARK', op: 'xor', value };
        else throw new RuleError(`--set-xmark ${m[0]} is neither an or-mark nor an xor-mark`);
        break;
      }
      case '--reject-with': next(a); break;
      default:
        throw new RuleError(`unsupported argument ${JSON.stringify(a)}${module ? ` (in -m ${module})` : ''}`);
    }
  }
  if (pendingProto) matches.splice(pendingProto.at, 0, { kind: 'proto', proto: pendingProto.proto, bare: true });
  return target ? { chain, matches, target } : { chain, matches };
}

/** Rule lines set aside unparsed (see ParseOptions.defer), by table and chain, with their 1-based line numbers. */
export type RawChains = Map<string, Map<string, { readonly lines: string[]; readonly lineNumbers: number[] }>>;

export interface ParseOptions {
  /**
   * Chains whose `-A` lines are kept as text instead of parsed: a caller comparing the dump with
   * known rules parses only the chains whose text differs. Their rules are left out of the dump.
   */
  readonly defer?: (table: string, chain: string) => boolean;
  /** Chains whose `-A` lines are not read at all (chains a comparison leaves out). */
  readonly skip?: (table: string, chain: string) => boolean;
  /** Chains to take as declared though the text does not declare them (its declarations were cut out). */
  readonly declared?: (table: string, chain: string) => boolean;
}

/**
 * One trimmed `-A CHAIN …` (or `-X CHAIN`) line: the rule, `{ deleted }` for a deletion, or
 * undefined with a diagnostic. A rule the typed form cannot spell back exactly (another
 * program's modules and targets, or values kube-proxy does not write) is kept as its text, so
 * it compares equal only to the same text.
 */
export function parseRuleLine(line: string, file: string, lineNumber: number, diagnostics: Diagnostic[]): Rule | { deleted: string } | undefined {
  // A counters prefix ([packets:bytes]) is dropped.
  const body = line.charCodeAt(0) === 0x5b ? line.replace(/^\[\d+:\d+\]\s+/, '') : line;
  const tokens = tokenize(body);
  if (!tokens) { diagnostics.push(diag('KPC050', 'unterminated quote', { file, line: lineNumber })); return undefined; }
  if (tokens[0] === '-X' && tokens.length === 2) return { deleted: tokens[1] };
  if ((tokens[0] !== '-A' && tokens[0] !== '--append') || tokens.length < 2) { diagnostics.push(diag('KPC050', `expected -A CHAIN ..., found ${JSON.stringify(line.slice(0, 60))}`, { file, line: lineNumber })); return undefined; }
  const long = chainNameProblem(tokens[1]);
  if (long) { diagnostics.push(diag('KPC050', long, { file, line: lineNumber })); return undefined; }
  let rule: Rule;
  try {
    rule = parseRuleArgs(tokens[1], tokens, 2);
  } catch (e) {
    if (e instanceof BadValue) { diagnostics.push(diag('KPC050', e.message, { file, line: lineNumber })); return undefined; }
    if (!(e instanceof RuleError)) throw e;
    return opaqueRule(tokens[1], tokens, 2);
  }
  return spellsBack(rule, body, tokens, 2) ? rule : opaqueRule(tokens[1], tokens, 2);
}

/** The tables iptables has. */
const TABLES: ReadonlySet<string> = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);
/** Each table's built-in chains: they always exist, declared in the text or not. */
const BUILT_IN_CHAINS: Readonly<Record<string, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};
/** iptables keeps chain names under 29 characters (XT_EXTENSION_MAXNAMELEN, with its NUL). */
const MAX_CHAIN_NAME = 28;

function chainNameProblem(name: string): string | undefined {
  return name.length > MAX_CHAIN_NAME ? `chain name ${JSON.stringify(name.slice(0, 40))}${name.length > 40 ? '…' : ''} is too long: iptables takes at most ${MAX_CHAIN_NAME} characters` : undefined;
}

/**
 * The chain a rule line ends by jumping to (`… -j CHAIN`, nothing after), when that is a user
 * chain: a target extension's name (DNAT, MARK, TPROXY, NFQUEUE…) is upper case without a `-`,
 * while every chain kube-proxy makes has one.
 */
function userChainJump(line: string): string | undefined {
  const m = / -j ([^\s"]+)$/.exec(line);
  return m && /[-a-z]/.test(m[1]) ? m[1] : undefined;
}

/** The chain of a plain `-A CHAIN …` line, without tokenizing it; undefined for anything else. */
function appendChain(line: string): string | undefined {
  if (!line.startsWith('-A ')) return undefined;
  const end = line.indexOf(' ', 3);
  const chain = end < 0 ? line.slice(3) : line.slice(3, end);
  return chain === '' || chain.includes('"') || chain.includes('\t') ? undefined : chain;
}

/**
 * Parses an iptables-save dump or an iptables-restore payload (the two spellings of one IR).
 * Problems are diagnostics with line numbers; the result is undefined when there are errors.
 */
export function parseIptables(text: string, file: string, opts: ParseOptions = {}): { dump?: Dump; raw?: RawChains; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tables: DumpTable[] = [];
  const raw: RawChains = new Map();
  let current: { name: string; chains: { name: string; policy: string }[]; rules: Rule[]; deleted: string[] } | undefined;
  // The chains the current table can name so far: its built-in ones and those declared above.
  let known: Set<string> | undefined = new Set<string>();
  // The line of each table's `*table`: a table comes once.
  const tableLines = new Map<string, number>();
  const lines = text.split('\n');
  /** Whether `chain` can be used at line `idx` (iptables-restore refuses a line naming a chain not made yet). */
  const declared = (chain: string, idx: number, verb: 'appends to' | 'deletes' | 'jumps to'): boolean => {
    if (!known || known.has(chain) || opts.declared?.(current!.name, chain)) return true;
    diagnostics.push(diag('KPC050', `${verb} chain ${JSON.stringify(chain)}, which table ${current!.name} has not declared before this line (a ':${chain} ...' line): iptables-restore refuses it`, { file, line: idx + 1 }));
    return false;
  };
  /** Whether a rule line's jump, if it ends in one to a user chain, names a chain made before it. */
  const jumpDeclared = (line: string, idx: number): boolean => {
    const to = userChainJump(line);
    return to === undefined || declared(to, idx, 'jumps to');
  };
  // Lines outside any table come in runs (a manifest read as a dump is one long run): one
  // diagnostic per run, at its first line, saying how far the run goes.
  let stray: { first: number; text: string; last: number; count: number } | undefined;
  const endStray = () => {
    if (!stray) return;
    const more = stray.count > 1 ? ` (and ${stray.count - 1} more line${stray.count > 2 ? 's' : ''} up to line ${stray.last} outside any table)` : '';
    const tableless = tables.length === 0 && !current && !lines.some((l) => l.trimStart().startsWith('*'));
    // `-P CHAIN POLICY` and `-N CHAIN` are how `iptables -S` (and no dump) spells policies and chains.
    const listing = tableless && lines.some((l) => /^\s*-[PN] [A-Za-z]/.test(l));
    const none = !tableless ? '' : `; the input has no *table line, so it is not an iptables-save dump or restore payload${listing ? ' (it reads as `iptables -S` output, which lists one table without naming it: give `iptables-save` output instead)' : ''}`;
    diagnostics.push(diag('KPC050', `expected a table line such as *nat, found ${JSON.stringify(stray.text.slice(0, 60))}${more}${none}`, { file, line: stray.first }));
    stray = undefined;
  };
  for (let idx = 0; idx < lines.length; idx++) parseLine(lines[idx], idx);
  endStray();
  function parseLine(rawLine: string, idx: number): void {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) {
      endStray();
      if (current) diagnostics.push(diag('KPC050', `table ${current.name} is not closed by COMMIT`, { file, line: idx + 1 }));
      const name = line.slice(1);
      if (!TABLES.has(name)) diagnostics.push(diag('KPC050', `table name ${JSON.stringify(name.slice(0, 40))} is not one iptables has (${[...TABLES].join(', ')})`, { file, line: idx + 1 }));
      else if (tableLines.has(name)) diagnostics.push(diag('KPC050', `table ${name} comes a second time (first at line ${tableLines.get(name)}): iptables-save writes each table once, and iptables-restore would flush what the first one loaded`, { file, line: idx + 1 }));
      else tableLines.set(name, idx + 1);
      current = { name, chains: [], rules: [], deleted: [] };
      // A table iptables does not have is already the problem: its chains are not looked at.
      known = Object.hasOwn(BUILT_IN_CHAINS, name) ? new Set(BUILT_IN_CHAINS[name]) : undefined;
      return;
    }
    if (!current) {
      if (stray) { stray.count++; stray.last = idx + 1; } else stray = { first: idx + 1, text: line, last: idx + 1, count: 1 };
      return;
    }
    if (line === 'COMMIT') { tables.push(current); current = undefined; return; }
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(\s+\[\d+:\d+\])?$/.exec(line);
      const long = m && chainNameProblem(m[1]);
      if (!m) diagnostics.push(diag('KPC050', `malformed chain line ${JSON.stringify(line)}`, { file, line: idx + 1 }));
      else if (long) diagnostics.push(diag('KPC050', long, { file, line: idx + 1 }));
      else {
        current.chains.push({ name: m[1], policy: m[2] });
        known?.add(m[1]);
      }
      return;
    }
    if (opts.defer || opts.skip) {
      const chain = appendChain(line);
      if (chain !== undefined && (!declared(chain, idx, 'appends to') || !jumpDeclared(line, idx))) return;
      if (chain !== undefined && opts.skip?.(current.name, chain)) return;
      if (chain !== undefined && opts.defer?.(current.name, chain)) {
        let table = raw.get(current.name);
        if (!table) raw.set(current.name, (table = new Map()));
        let entry = table.get(chain);
        if (!entry) table.set(chain, (entry = { lines: [], lineNumbers: [] }));
        entry.lines.push(line);
        entry.lineNumbers.push(idx + 1);
        return;
      }
    }
    const r = parseRuleLine(line, file, idx + 1, diagnostics);
    if (r === undefined) return;
    if ('deleted' in r) {
      if (declared(r.deleted, idx, 'deletes')) current.deleted.push(r.deleted);
    } else if (declared(r.chain, idx, 'appends to') && jumpDeclared(line, idx)) current.rules.push(r);
  }
  if (current) diagnostics.push(diag('KPC050', `table ${current.name} is not closed by COMMIT`, { file, line: lines.length }));
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return opts.defer ? { dump: { tables }, raw, diagnostics } : { dump: { tables }, diagnostics };
}

export function isTableName(t: string): t is TableName {
  return t === 'filter' || t === 'nat' || t === 'mangle';
}
