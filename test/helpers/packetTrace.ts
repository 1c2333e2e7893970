import { BlockList, isIP } from 'node:net';

/**
 * A packet tracer over iptables rules text (a restore payload or an `iptables-save` dump), with
 * the semantics of kube-proxy's own packet-flow tests: it follows one new connection through the
 * nat table from KUBE-SERVICES (where PREROUTING and OUTPUT send it), applies the DNAT it met,
 * then runs the filter chains KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS and
 * KUBE-PROXY-FIREWALL in turn. It reads its own tokens, independently of the compiler's parser,
 * so a parser mistake cannot hide a lowering one.
 *
 * Deliberate simplifications, which the expected values of those tests assume:
 * - a rule that tests state the tracer does not model (`--mark`, `--ctstate`, `-m recent
 *   --rcheck`) never matches: the connection is new, unmarked and has no affinity yet;
 * - a rule sent to with `--probability` is followed and its outcome kept, and the chain goes on:
 *   the output lists every endpoint the connection could reach;
 * - a jump to KUBE-MARK-MASQ sets `masq` instead of marking;
 * - every other match module (comment, nfacct, `-m recent --set`) matches.
 */

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface Packet {
  readonly sourceIP: string;
  readonly destIP: string;
  readonly destPort: number;
  readonly protocol: Protocol;
}

export interface Trace {
  /** Endpoints (`ip:port`, `[ip6]:port`) or ACCEPT / DROP / REJECT, joined with ", "; '' when no rule decided. */
  readonly output: string;
  /** Whether the connection was sent to KUBE-MARK-MASQ. */
  readonly masq: boolean;
  /** The rules that matched, as written, in the order they matched. */
  readonly matched: readonly string[];
}

interface Negatable<T> {
  readonly value: T;
  readonly negate: boolean;
}

interface TraceRule {
  readonly text: string;
  readonly src?: Negatable<string>;
  readonly dst?: Negatable<string>;
  readonly protocol?: Negatable<string>;
  readonly destPort?: Negatable<number>;
  readonly srcType?: Negatable<string>;
  readonly dstType?: Negatable<string>;
  /** Tests connection state the tracer does not model: never matches. */
  readonly stateful: boolean;
  readonly probabilistic: boolean;
  readonly target?: string;
  readonly dnatTo?: string;
}

/** Rules by table, then chain, in file order. */
export type RuleTables = ReadonlyMap<string, ReadonlyMap<string, readonly TraceRule[]>>;

/** Splits a rule line into arguments; a double-quoted argument may hold spaces and `\"`. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ' || line[i] === '\t') { i++; continue; }
    let arg = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        arg += line[i++];
      }
      if (i >= line.length) throw new Error(`unterminated quote in: ${line}`);
      i++;
    } else {
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') arg += line[i++];
    }
    out.push(arg);
  }
  return out;
}

/** Options that take one value and do not affect the trace. */
const NEUTRAL_WITH_VALUE = new Set([
  '-m', '--match', '--comment', '--nfacct-name', '--mode', '--name', '--seconds', '--mask',
  '--or-mark', '--xor-mark', '--set-xmark', '--reject-with',
]);
/** Options without a value that do not affect the trace. */
const NEUTRAL_FLAGS = new Set(['--set', '--reap', '--rsource', '--random-fully']);

function parseRule(line: string): { chain: string; rule: TraceRule } {
  const args = tokens(line);
  if (args[0] !== '-A' || args.length < 2) throw new Error(`not an -A line: ${line}`);
  const rule: { -readonly [K in keyof TraceRule]: TraceRule[K] } = { text: line, stateful: false, probabilistic: false };
  let negate = false;
  const value = (i: number): string => {
    if (i >= args.length) throw new Error(`${args[i - 1]} without a value in: ${line}`);
    return args[i];
  };
  const take = <T>(v: T): Negatable<T> => {
    const n = { value: v, negate };
    negate = false;
    return n;
  };
  for (let i = 2; i < args.length; i++) {
    const a = args[i];
    switch (a) {
      case '!': negate = true; break;
      case '-s': case '--source': rule.src = take(value(++i)); break;
      case '-d': case '--destination': rule.dst = take(value(++i)); break;
      case '-p': case '--protocol': rule.protocol = take(value(++i)); break;
      case '--dport': case '--destination-port': {
        const port = value(++i);
        if (!/^[0-9]+$/.test(port)) throw new Error(`the tracer reads single ports only, not ${port}, in: ${line}`);
        rule.destPort = take(Number(port));
        break;
      }
      case '--src-type': rule.srcType = take(value(++i)); break;
      case '--dst-type': rule.dstType = take(value(++i)); break;
      case '-j': case '--jump': rule.target = value(++i); break;
      case '--to-destination': rule.dnatTo = value(++i); break;
      case '--probability': rule.probabilistic = true; i++; break;
      case '--mark': case '--ctstate': rule.stateful = true; negate = false; i++; break;
      case '--rcheck': rule.stateful = true; break;
      default:
        if (NEUTRAL_WITH_VALUE.has(a)) { value(++i); negate = false; }
        else if (NEUTRAL_FLAGS.has(a)) negate = false;
        else throw new Error(`the tracer does not know ${a} in: ${line}`);
    }
  }
  return { chain: args[1], rule };
}

/** Reads the tables, chains and rules of a restore payload or an iptables-save dump. */
export function readRules(text: string): RuleTables {
  const tables = new Map<string, Map<string, TraceRule[]>>();
  let table: Map<string, TraceRule[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = new Map();
      tables.set(line.slice(1), table);
    } else if (!table) {
      throw new Error(`a line outside any table: ${line}`);
    } else if (line.startsWith(':')) {
      const chain = line.slice(1).split(/\s/)[0];
      if (!table.has(chain)) table.set(chain, []);
    } else if (line.startsWith('-A ')) {
      const { chain, rule } = parseRule(line);
      let rules = table.get(chain);
      if (!rules) table.set(chain, (rules = []));
      rules.push(rule);
    }
    // `-X CHAIN` (a payload deleting a stale chain) leaves nothing to trace.
  }
  return tables;
}

function family(ip: string): 'ipv4' | 'ipv6' {
  const f = isIP(ip);
  if (f === 0) throw new Error(`not an IP address: ${ip}`);
  return f === 4 ? 'ipv4' : 'ipv6';
}

/** Whether `ip` is `spec` (an address) or lies in it (a CIDR); an address of the other family never does. */
function inAddress(spec: string, ip: string): boolean {
  const [addr, prefix] = spec.trim().split('/');
  const f = family(addr);
  if (family(ip) !== f) return false;
  const list = new BlockList();
  list.addSubnet(addr, prefix === undefined ? (f === 'ipv4' ? 32 : 128) : Number(prefix), f);
  return list.check(ip, f);
}

const holds = <T>(m: Negatable<T> | undefined, test: (v: T) => boolean): boolean => m === undefined || test(m.value) !== m.negate;

/** The address part of a DNAT target: `10.0.0.1:80` or `[fd00::1]:80`. */
function targetHost(to: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(to);
  if (bracketed) return bracketed[1];
  const colon = to.indexOf(':');
  return colon < 0 ? to : to.slice(0, colon);
}

const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'];
const VERDICTS = new Set(['ACCEPT', 'DROP', 'REJECT']);
/** Targets that change nothing the trace follows and let the chain go on. */
const PASS_THROUGH = new Set(['MARK', 'MASQUERADE', 'SNAT']);

/**
 * Traces one new connection through `rules` (text or `readRules` output). `localIPs` are the
 * node's addresses, which `--src-type LOCAL` / `--dst-type LOCAL` match (loopback is added).
 */
export function tracePacket(rules: string | RuleTables, packet: Packet, localIPs: readonly string[]): Trace {
  const tables = typeof rules === 'string' ? readRules(rules) : rules;
  const local = new BlockList();
  for (const ip of ['127.0.0.1', '::1', ...localIPs]) local.addAddress(ip, family(ip));
  const isLocal = (ip: string) => local.check(ip, family(ip));
  const outputs: string[] = [];
  const matched: string[] = [];
  let masq = false;

  const matches = (r: TraceRule, p: Packet): boolean =>
    !r.stateful &&
    holds(r.src, (v) => inAddress(v, p.sourceIP)) &&
    holds(r.srcType, (v) => v === 'LOCAL' && isLocal(p.sourceIP)) &&
    holds(r.protocol, (v) => v === p.protocol) &&
    holds(r.dst, (v) => inAddress(v, p.destIP)) &&
    holds(r.dstType, (v) => v === 'LOCAL' && isLocal(p.destIP)) &&
    holds(r.destPort, (v) => v === p.destPort);

  /** Runs `chain`; true when a rule in it (or below it) decided the connection's fate. */
  const run = (table: string, chain: string, p: Packet, depth: number): boolean => {
    if (depth > 64) throw new Error(`jump loop through ${chain}`);
    for (const r of tables.get(table)?.get(chain) ?? []) {
      if (r.target === undefined || !matches(r, p)) continue;
      matched.push(r.text);
      if (r.target === 'KUBE-MARK-MASQ') { masq = true; continue; }
      if (VERDICTS.has(r.target)) { outputs.push(r.target); return true; }
      if (r.target === 'DNAT') {
        if (r.dnatTo === undefined) throw new Error(`DNAT without --to-destination: ${r.text}`);
        outputs.push(r.dnatTo);
        return true;
      }
      if (r.target === 'RETURN') return false;
      if (PASS_THROUGH.has(r.target)) continue;
      // A jump to a chain the text does not hold (KUBE-MARK-DROP in a payload) decides nothing.
      if (run(table, r.target, p, depth + 1) && !r.probabilistic) return true;
    }
    return false;
  };

  run('nat', 'KUBE-SERVICES', packet, 0);
  // The filter table sees the connection after DNAT: its new destination is the first endpoint's.
  const first = outputs[0];
  const filtered = first !== undefined && !VERDICTS.has(first) ? { ...packet, destIP: targetHost(first) } : packet;
  for (const chain of FILTER_CHAINS) run('filter', chain, filtered, 0);
  return { output: outputs.join(', '), masq, matched };
}
