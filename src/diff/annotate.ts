import type { RuleState } from './ruleState.js';

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW)-/;

/**
 * Names hashed chains after what they serve, from the rules themselves: entry rules name their
 * service in the comment; SEP chains are named by their DNAT destination and the service jumping in.
 */
export function annotateChains(...states: readonly RuleState[]): Map<string, string> {
  const service = new Map<string, string>();
  const endpoint = new Map<string, string>();
  // Two passes: the second lets SEP chains inherit the service of the SVC chain that jumps to them.
  for (let pass = 0; pass < 2; pass++) for (const s of states) {
    for (const c of s.chains.values()) {
      for (const r of c.rules) {
        const comment = r.matches.find((m) => m.kind === 'comment');
        const text = comment && comment.kind === 'comment' ? comment.text : '';
        const id = text.split(' ')[0];
        if (r.target?.kind === 'jump' && SERVICE_CHAIN.test(r.target.chain) && id && !service.has(r.target.chain) && (c.name === 'KUBE-SERVICES' || c.name === 'KUBE-NODEPORTS')) service.set(r.target.chain, id);
        if (c.name.startsWith('KUBE-SEP-')) {
          if (r.target?.kind === 'DNAT') endpoint.set(c.name, r.target.to);
          if (id && !service.has(c.name)) service.set(c.name, id);
        }
        if (r.target?.kind === 'jump' && r.target.chain.startsWith('KUBE-SEP-') && SERVICE_CHAIN.test(c.name)) {
          const arrow = / -> (\S+)$/.exec(text);
          if (arrow) endpoint.set(r.target.chain, arrow[1]);
          if (!service.has(r.target.chain) && service.has(c.name)) service.set(r.target.chain, service.get(c.name)!);
        }
      }
    }
    // Chains sharing a hash share a service: KUBE-SVC-X names KUBE-SVL-X, KUBE-EXT-X and KUBE-FW-X.
    for (const [chain, id] of [...service]) {
      const m = SERVICE_CHAIN.exec(chain);
      if (!m) continue;
      const hash = chain.slice(m[0].length);
      for (const p of ['SVC', 'SVL', 'EXT', 'FW']) if (!service.has(`KUBE-${p}-${hash}`)) service.set(`KUBE-${p}-${hash}`, id);
    }
  }
  const out = new Map<string, string>();
  for (const [chain, id] of service) out.set(chain, endpoint.has(chain) ? `${id} -> ${endpoint.get(chain)}` : id);
  for (const [chain, ep] of endpoint) if (!out.has(chain)) out.set(chain, `-> ${ep}`);
  return out;
}
