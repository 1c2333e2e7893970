import type { Rule } from '../ir/iptables.js';
import type { ChainState, RuleState } from './ruleState.js';
import { sameItems } from '../util/sameItems.js';

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW)-/;
const ENTRY_CHAINS = new Set(['KUBE-SERVICES', 'KUBE-NODEPORTS']);
const SIBLING_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-'];

function hashOf(chain: string): string | undefined {
  const m = SERVICE_CHAIN.exec(chain);
  return m ? chain.slice(m[0].length) : undefined;
}

function commentOf(r: Rule): string {
  for (const m of r.matches) if (m.kind === 'comment') return m.text;
  return '';
}

/**
 * Names hashed chains after what they serve, from the rules themselves: entry rules name their
 * service in the comment; SEP chains are named by their DNAT destination and the service jumping in.
 * With `interest`, only those chains (and their hash siblings) are named, which keeps a diff of a
 * large cluster from reading every rule twice.
 */
export function annotateChains(states: readonly RuleState[], interest?: ReadonlySet<string>): Map<string, string> {
  // Nothing of interest (two states that agree): nothing to read.
  if (interest && interest.size === 0) return new Map();
  const service = new Map<string, string>();
  const endpoint = new Map<string, string>();
  // With `interest`: the hashed chains whose names are wanted (with their siblings), by name, so
  // that an entry rule costs one lookup. A SEP chain of interest takes its service from the SVC
  // chains jumping to it (its own rules carry no comment in large-cluster mode), which take theirs
  // from the entry rules: the chains jumping to a chain of interest are wanted too.
  let wanted: Set<string> | undefined;
  if (interest) {
    wanted = new Set();
    const want = (h: string) => { for (const prefix of SIBLING_PREFIXES) wanted!.add(prefix + h); };
    for (const c of interest) {
      const h = hashOf(c);
      if (h !== undefined) want(h);
    }
    for (const s of states) for (const c of s.chains.values()) {
      const h = hashOf(c.name);
      if (h !== undefined && !wanted.has(c.name) && c.rules.some((r) => r.target?.kind === 'jump' && interest.has(r.target.chain))) want(h);
    }
  }
  const wantedHash = (chain: string) => (wanted ? wanted.has(chain) : hashOf(chain) !== undefined);
  // Chains are named first come, first served, so each name is set once: `named` lists them in
  // that order, and each sibling pass only looks at those named since the last one (the earlier
  // ones have had theirs).
  const named: string[] = [];
  const name = (chain: string, id: string) => {
    service.set(chain, id);
    named.push(chain);
  };
  let siblingsDone = 0;
  // An entry chain names only what no chain is named after yet, and only from its own rules: one
  // read of it does all it can, so a second pass, or the same chain again in a later state (its
  // rules read the same), adds nothing.
  const entriesRead = new Map<string, ChainState>();
  const readBefore = (key: string, c: ChainState): boolean => {
    const before = entriesRead.get(key);
    if (!before) {
      entriesRead.set(key, c);
      return false;
    }
    return before === c || sameItems(before.keys, c.keys);
  };
  // Two passes: the second lets SEP chains inherit the service of the SVC chain that jumps to them.
  for (let pass = 0; pass < 2; pass++) for (const s of states) {
    for (const [key, c] of s.chains) {
      if (ENTRY_CHAINS.has(c.name)) {
        if (pass > 0 || readBefore(key, c)) continue;
        for (const r of c.rules) {
          if (r.target?.kind !== 'jump' || service.has(r.target.chain) || !wantedHash(r.target.chain)) continue;
          const id = commentOf(r).split(' ')[0];
          if (id) name(r.target.chain, id);
        }
      } else if (c.name.startsWith('KUBE-SEP-')) {
        // What a SEP chain names comes from its own rules alone: the first pass did it all.
        if (pass > 0 || (interest && !interest.has(c.name))) continue;
        for (const r of c.rules) {
          if (r.target?.kind === 'DNAT') endpoint.set(c.name, r.target.to);
          const id = commentOf(r).split(' ')[0];
          if (id && !service.has(c.name)) name(c.name, id);
        }
      } else if (SERVICE_CHAIN.test(c.name)) {
        for (const r of c.rules) {
          if (r.target?.kind !== 'jump' || !r.target.chain.startsWith('KUBE-SEP-')) continue;
          const sep = r.target.chain;
          if (interest && !interest.has(sep) && !interest.has(c.name)) continue;
          // Endpoints are set from the rules alone, in the same order each pass: once is enough.
          if (pass === 0) {
            const arrow = / -> (\S+)$/.exec(commentOf(r));
            if (arrow) endpoint.set(sep, arrow[1]);
          }
          if (!service.has(sep) && service.has(c.name)) name(sep, service.get(c.name)!);
        }
      }
    }
    // Chains sharing a hash share a service: KUBE-SVC-X names KUBE-SVL-X, KUBE-EXT-X and KUBE-FW-X.
    // (Siblings named here have theirs already: the loop may reach them, to no effect.)
    for (; siblingsDone < named.length; siblingsDone++) {
      const chain = named[siblingsDone];
      const hash = hashOf(chain);
      if (hash === undefined) continue;
      const id = service.get(chain)!;
      for (const prefix of SIBLING_PREFIXES) {
        // Joined, not glued: a flat string is hashed for the map without being copied first.
        const sibling = [prefix, hash].join('');
        if (!service.has(sibling)) name(sibling, id);
      }
    }
  }
  const out = new Map<string, string>();
  for (const [chain, id] of service) out.set(chain, endpoint.has(chain) ? `${id} -> ${endpoint.get(chain)}` : id);
  for (const [chain, ep] of endpoint) if (!out.has(chain)) out.set(chain, `-> ${ep}`);
  return out;
}
