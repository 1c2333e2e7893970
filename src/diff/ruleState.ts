import { BUILTIN_CHAINS, type Rule, type Ruleset } from '../ir/iptables.js';
import { SAVE_TABLE_ORDER } from '../backends/iptables/renderSave.js';
import { parseIptables, parseRuleLine } from '../backends/iptables/parseIptables.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Dump } from '../backends/iptables/parseIptables.js';
import { saveRuleLine } from '../backends/iptables/writeSaveRule.js';
import { NODEPORTS_COMMENT } from '../backends/iptables/fixedRules.js';
import { own } from '../util/own.js';
import { sameItems } from '../util/sameItems.js';

/** A chain as compared: its rules as normalised keys (iptables-save spelling) plus the parsed rules. */
export interface ChainState {
  readonly table: string;
  readonly name: string;
  readonly keys: readonly string[];
  readonly rules: readonly Rule[];
}

/** One side of a comparison: every chain of every table, keyed `table/chain`. */
export interface RuleState {
  readonly family: 'IPv4' | 'IPv6';
  readonly chains: ReadonlyMap<string, ChainState>;
  /**
   * Whether this side shows the node's whole tables: an iptables-save dump declares the built-in
   * chains in every table. A restore payload (kube-proxy's, or `--format restore`) declares none:
   * it says nothing about the jumps from them, nor about chains made outside the payload.
   */
  readonly wholeTables: boolean;
  /** Chains (`table/chain`) this side has from outside kube-proxy's payload (the kubelet's KUBE-FIREWALL…). */
  readonly outside?: ReadonlySet<string>;
}

/** Whether any table of a dump declares (or writes to) a built-in chain: a save dump, not a payload. */
function showsBuiltins(tables: Dump['tables']): boolean {
  return tables.some((t) => t.chains.some((c) => isBuiltinChain(t.name, c.name)) || t.rules.some((r) => isBuiltinChain(t.name, r.chain)));
}

/**
 * Chains whose per-service rules kube-proxy writes in map order (of service ports): their order
 * across service ports is not significant; within one service port it is fixed.
 */
const SERVICE_ORDERED: ReadonlySet<string> = new Set(['nat/KUBE-SERVICES', 'nat/KUBE-NODEPORTS', 'filter/KUBE-SERVICES', 'filter/KUBE-NODEPORTS', 'filter/KUBE-EXTERNAL-SERVICES', 'filter/KUBE-PROXY-FIREWALL']);

/**
 * Sorts per-service rules by service port (stable), keeping the node-port tail rule(s) last; other
 * chains as they are. A rule's service port is its first comment up to the first space: `ns/svc:port`
 * (or `ns/svc`). One pass over each rule's matches finds both that comment and whether the rule is
 * a tail rule (see isNodePortsTailRule): these chains hold a rule per service port.
 */
function canonicalRules(table: string, chain: string, rules: Rule[]): Rule[] {
  if (!SERVICE_ORDERED.has([table, '/', chain].join(''))) return rules;
  const tailChain = chain === 'KUBE-SERVICES';
  const tail: Rule[] = [];
  const rest: { r: Rule; i: number; k: string }[] = [];
  for (let n = 0; n < rules.length; n++) {
    const r = rules[n];
    const ms = r.matches;
    let first: string | undefined;
    let isTail = false;
    for (let j = 0; j < ms.length; j++) {
      const m = ms[j];
      if (m.kind !== 'comment') continue;
      first ??= m.text;
      if (tailChain && m.text === NODEPORTS_COMMENT) isTail = true;
    }
    if (isTail) tail.push(r);
    else {
      const space = first === undefined ? -1 : first.indexOf(' ');
      rest.push({ r, i: rest.length, k: first === undefined ? '' : space < 0 ? first : first.slice(0, space) });
    }
  }
  rest.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i));
  const out = new Array<Rule>(rest.length + tail.length);
  for (let n = 0; n < rest.length; n++) out[n] = rest[n].r;
  for (let n = 0; n < tail.length; n++) out[rest.length + n] = tail[n];
  return out;
}

export interface StateOptions {
  /** Keep chains that kube-proxy does not own (INPUT, other software's chains…). */
  readonly allChains?: boolean;
  /**
   * Keys already made, per rule object: two states built from rulesets that share rule objects
   * (see lowerPair) then make each shared key once, and hold the same string on both sides.
   */
  readonly keys?: Map<Rule, string>;
  /**
   * Chain states already built, by `table/chain`, with the rules each was built from: a chain
   * built again from the very same rule objects, one for one, takes the state built before. Two
   * states of one cluster then share what did not change (the entry chains, when only endpoints
   * moved), and a comparison passes over it at once.
   */
  readonly built?: Map<string, { readonly from: readonly Rule[]; readonly state: ChainState }>;
}

/** kube-proxy's own chains: KUBE-* except the monitor's canaries, which carry no rules. */
export function isKubeProxyChain(name: string): boolean {
  return name.startsWith('KUBE-') && name !== 'KUBE-PROXY-CANARY' && name !== 'KUBE-KUBELET-CANARY';
}

/** A chain every table of its name has (INPUT, PREROUTING…); other programs share them. */
export function isBuiltinChain(table: string, name: string): boolean {
  return own(BUILTIN_CHAINS, table)?.includes(name) === true || own(OTHER_BUILTINS, table)?.includes(name) === true;
}

/** Built-in chains of the tables kube-proxy does not write to (a node's dump has them). */
const OTHER_BUILTINS: Readonly<Record<string, readonly string[] | undefined>> = { raw: ['PREROUTING', 'OUTPUT'], security: ['INPUT', 'FORWARD', 'OUTPUT'] };

/** A rule kube-proxy puts in a built-in chain: a jump to one of its chains. */
function jumpsToKubeProxy(r: Rule): boolean {
  return r.target?.kind === 'jump' && r.opaque === undefined && isKubeProxyChain(r.target.chain);
}

/**
 * Chains a state leaves out, for a parser to skip: without allChains, every chain but
 * kube-proxy's own and the built-in chains (whose jumps into kube-proxy's chains are compared).
 */
export function chainsLeftOut(opts: StateOptions): ((table: string, chain: string) => boolean) | undefined {
  return opts.allChains ? undefined : (table, chain) => !isKubeProxyChain(chain) && !isBuiltinChain(table, chain);
}

/** The keys of a chain's rules; with `made`, each rule's key made once (see StateOptions). */
function keysOf(rules: readonly Rule[], v6: boolean, made: Map<Rule, string> | undefined): string[] {
  const keys = new Array<string>(rules.length);
  if (made) {
    for (let i = 0; i < rules.length; i++) {
      let k = made.get(rules[i]);
      if (k === undefined) made.set(rules[i], (k = saveRuleLine(rules[i], v6)));
      keys[i] = k;
    }
  } else {
    for (let i = 0; i < rules.length; i++) keys[i] = saveRuleLine(rules[i], v6);
  }
  return keys;
}

/**
 * A chain's state. States built together (see `built`) make a chain's keys when first read: a
 * chain two states share is never compared, and a large one (KUBE-SERVICES) then costs no key at
 * all. Others make them at once, as plain data: a dump's every chain is compared, and a getter
 * per chain of a large dump costs memory and time for nothing.
 */
function chainState(table: string, name: string, rules: readonly Rule[], v6: boolean, opts: StateOptions): ChainState {
  if (!opts.built) return { table, name, rules, keys: keysOf(rules, v6, opts.keys) };
  let keys: string[] | undefined;
  const made = opts.keys;
  return {
    table,
    name,
    rules,
    get keys(): readonly string[] {
      return (keys ??= keysOf(rules, v6, made));
    },
  };
}

/** Adds one table's chains to `chains`: `byChain` maps each chain to its rules in order. */
function addTable(chains: Map<string, ChainState>, table: string, byChain: Map<string, Rule[]>, v6: boolean, opts: StateOptions): void {
  for (const [name, all] of byChain) {
    let rules = all;
    if (!opts.allChains && !isKubeProxyChain(name)) {
      // Of a built-in chain, only kube-proxy's jumps are compared; other programs own the rest.
      if (!isBuiltinChain(table, name)) continue;
      rules = all.filter(jumpsToKubeProxy);
      if (rules.length === 0) continue;
    }
    // Joined, not glued: a flat key is hashed and compared without being copied first.
    const id = [table, '/', name].join('');
    const before = opts.built?.get(id);
    if (before && sameItems(before.from, rules)) {
      chains.set(id, before.state);
      continue;
    }
    const ordered = canonicalRules(table, name, rules);
    const state = chainState(table, name, ordered, v6, opts);
    chains.set(id, state);
    if (!before) opts.built?.set(id, { from: rules, state });
  }
}

/** Builds the comparable state of a parsed dump (or of compiled tables in dump form). */
export function stateFromDump(dump: Dump, family: 'IPv4' | 'IPv6', opts: StateOptions = {}): RuleState {
  const chains = new Map<string, ChainState>();
  for (const t of dump.tables) {
    const byChain = new Map<string, Rule[]>();
    for (const c of t.chains) byChain.set(c.name, []);
    for (const r of t.rules) {
      let list = byChain.get(r.chain);
      if (!list) byChain.set(r.chain, (list = []));
      list.push(r);
    }
    addTable(chains, t.name, byChain, family === 'IPv6', opts);
  }
  return { family, chains, wholeTables: showsBuiltins(dump.tables) };
}

/**
 * The state of compiled rules as the node's iptables-save view shows them: the same as
 * stateFromDump({ tables: saveTables(rs) }), without putting a large ruleset in save order first
 * (a state groups rules by chain anyway, and orders the per-service chains itself). Built-in
 * chains hold the base jumps first; rules of undeclared chains are left out, as the view does.
 */
export function stateFromRuleset(rs: Ruleset, opts: StateOptions = {}): RuleState {
  const chains = new Map<string, ChainState>();
  for (const table of SAVE_TABLE_ORDER) {
    const t = rs.payload.find((x) => x.name === table);
    const base = rs.baseRules.filter((r) => r.table === table);
    const declared = new Set<string>(t?.chains ?? []);
    for (const e of rs.extraChains) if (e.table === table) declared.add(e.chain);
    for (const r of base) if (r.target?.kind === 'jump') declared.add(r.target.chain);
    if (!t && declared.size === 0 && base.length === 0) continue;
    const byChain = new Map<string, Rule[]>();
    for (const c of BUILTIN_CHAINS[table]) byChain.set(c, []);
    for (const c of declared) if (!byChain.has(c)) byChain.set(c, []);
    // Base rules lose their `table`, as in the view.
    for (const r of base) byChain.get(r.chain)?.push({ chain: r.chain, matches: r.matches, ...(r.target ? { target: r.target } : {}) });
    for (const r of t?.rules ?? []) byChain.get(r.chain)?.push(r);
    addTable(chains, table, byChain, rs.family === 'IPv6', opts);
  }
  const outside = new Set<string>();
  for (const e of rs.extraChains) if (!rs.payload.some((t) => t.name === e.table && t.chains.includes(e.chain))) outside.add(`${e.table}/${e.chain}`);
  return { family: rs.family, chains, wholeTables: true, outside };
}

/**
 * stateFromDump(parseIptables(text)) for a dump about to be compared with `reference` (compiled
 * rules, as stateFromRuleset builds them, with the same options). The lines of every chain the
 * reference has are first compared as text with the reference's keys, and only chains that
 * differ are parsed: on a node that agrees, nearly nothing is. Equal text means equal keys (keys
 * are the save spelling, and render(parse(x)) == x), so such a chain shares the reference's
 * state. A dump whose set-aside lines have problems, or with a table twice, is read the plain way,
 * so diagnostics come out exactly as stateFromDump's caller would report them.
 */
export function stateFromDumpText(text: string, file: string, opts: StateOptions, reference: RuleState, aside?: ReadonlySet<string>): { state?: RuleState; diagnostics: Diagnostic[] } {
  // Chains set aside from the text (see setAsideAgreeing) were declared in the dump they came from.
  const declared = aside && ((table: string, chain: string) => table === 'nat' && aside.has(chain));
  const plain = () => {
    const full = parseIptables(text, file, { skip: chainsLeftOut(opts), declared });
    return full.dump ? { state: stateFromDump(full.dump, reference.family, opts), diagnostics: full.diagnostics } : { diagnostics: full.diagnostics };
  };
  // The reference's chains by table and name, each with its key in reference.chains.
  const known = new Map<string, Map<string, { readonly key: string; readonly state: ChainState }>>();
  for (const [key, state] of reference.chains) {
    let table = known.get(state.table);
    if (!table) known.set(state.table, (table = new Map()));
    table.set(state.name, { key, state });
  }
  // Lines come a table at a time: look the table up once per run of its lines.
  let lastTable = '';
  let lastRefs: Map<string, unknown> | undefined;
  const defer = (table: string, chain: string): boolean => {
    if (table !== lastTable) { lastTable = table; lastRefs = known.get(table); }
    return lastRefs?.has(chain) === true;
  };
  const parsed = parseIptables(text, file, { defer, skip: chainsLeftOut(opts), declared });
  // With errors, the plain read reports them all, in line order.
  if (!parsed.dump || !parsed.raw) return plain();
  const names = parsed.dump.tables.map((t) => t.name);
  if (new Set(names).size !== names.length) return plain();
  // A chain with lines set aside and lines parsed (say, some with counters) would lose their order.
  for (const t of parsed.dump.tables) {
    const raw = parsed.raw.get(t.name);
    if (raw && t.rules.some((r) => raw.has(r.chain))) return plain();
  }

  const chains = new Map<string, ChainState>();
  const late: Diagnostic[] = [];
  for (const t of parsed.dump.tables) {
    const refs = known.get(t.name);
    const raw = parsed.raw.get(t.name);
    // Chains whose lines read exactly as the reference's share its state; the rest are parsed.
    const shared = new Set<string>();
    const parsedRaw = new Map<string, Rule[]>();
    for (const [chain, entry] of raw ?? []) {
      const ref = refs!.get(chain)!;
      // The chain's lines, as they stand, are exactly the reference's keys.
      if (sameItems(entry.lines, ref.state.keys)) {
        shared.add(chain);
        chains.set(ref.key, ref.state);
        continue;
      }
      const rules: Rule[] = [];
      for (let i = 0; i < entry.lines.length; i++) {
        const r = parseRuleLine(entry.lines[i], file, entry.lineNumbers[i], late);
        if (r && !('deleted' in r)) rules.push(r);
      }
      parsedRaw.set(chain, rules);
    }
    const byChain = new Map<string, Rule[]>();
    for (const c of t.chains) if (!shared.has(c.name)) byChain.set(c.name, []);
    for (const r of t.rules) {
      let list = byChain.get(r.chain);
      if (!list) byChain.set(r.chain, (list = []));
      list.push(r);
    }
    for (const [chain, rules] of parsedRaw) {
      let list = byChain.get(chain);
      if (!list) byChain.set(chain, (list = []));
      for (const r of rules) list.push(r);
    }
    addTable(chains, t.name, byChain, reference.family === 'IPv6', opts);
  }
  // Problems in set-aside lines would come out of line order: the plain read reports them.
  if (late.length) return plain();
  return { state: { family: reference.family, chains, wholeTables: showsBuiltins(parsed.dump.tables) }, diagnostics: parsed.diagnostics };
}
