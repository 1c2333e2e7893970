import type { Match, Rule, Target } from '../../ir/iptables.js';
import { LineOut, type TextOut } from '../../util/byteText.js';

/**
 * `! ` for a negated match, asked only of the kinds that can be negated: `'negate' in m` for every
 * match (of a dozen shapes) was a slow property lookup on each of a large ruleset's rules.
 */
export const neg = (m: { readonly negate?: boolean }): string => (m.negate ? '! ' : '');

/** Go's %#08x: kube-proxy's spelling of the masquerade mark (0x00004000). */
export function goHex08(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** The protocol match with its module, the spelling of nearly every rule. */
const PROTO_MODULE = { tcp: ' -m tcp -p tcp', udp: ' -m udp -p udp', sctp: ' -m sctp -p sctp' } as const;

/** Writes ` ` and one match's options as kube-proxy spells them. */
function writeMatch(m: Match, o: TextOut): void {
  switch (m.kind) {
    case 'src': return o.write(m.negate ? ' ! -s ' : ' -s ', m.addr);
    case 'dst': return o.write(m.negate ? ' ! -d ' : ' -d ', m.addr);
    case 'inIface': return o.write(m.negate ? ' ! -i ' : ' -i ', m.name);
    case 'proto': return o.write(m.bare ? ` -p ${m.proto}` : PROTO_MODULE[m.proto]);
    case 'dport': return o.write(' --dport ', String(m.port));
    // The comment argument is quoted only when it holds a space.
    case 'comment': return m.text.includes(' ') ? o.write(' -m comment --comment "', m.text, '"') : o.write(' -m comment --comment ', m.text);
    case 'addrtype': return o.write(' -m addrtype ', neg(m), `--${m.dir}-type `, m.type);
    case 'physdevIsIn': return o.write(' -m physdev ', neg(m), '--physdev-is-in');
    case 'ipvs': return o.write(` -m ipvs --vaddr ${m.vaddr} --vproto ${m.vproto} --vport ${m.vport}`);
    case 'conntrack': return o.write(' -m conntrack ', neg(m), '--ctstate ', m.states);
    case 'mark': return o.write(' -m mark ', neg(m), '--mark ', goHex08(m.value), `/${goHex08(m.mask)}`);
    case 'recentSet': return o.write(' -m recent --name ', m.name, ' --set');
    case 'recentCheck': return o.write(' -m recent --name ', m.name, ' --rcheck --seconds ', String(m.seconds), ' --reap');
    case 'statistic': return o.write(' -m statistic --mode random --probability ', m.probability);
    case 'nfacct': return o.write(' -m nfacct --nfacct-name ', m.name);
    case 'set': return o.write(' -m set ', neg(m), '--match-set ', m.name, ` ${m.dirs}`);
  }
}

/** Writes ` -j …`. */
function writeTarget(t: Target, o: TextOut): void {
  switch (t.kind) {
    case 'jump': return o.write(' -j ', t.chain);
    case 'DNAT': return o.write(' -j DNAT --to-destination ', t.to);
    case 'MASQUERADE': return o.write(t.randomFully ? ' -j MASQUERADE --random-fully' : ' -j MASQUERADE');
    case 'MARK': return o.write(` -j MARK --${t.op}-mark `, goHex08(t.value));
    default: return o.write(' -j ', t.kind);
  }
}

/** Writes one `-A CHAIN …` rule in kube-proxy's payload spelling (without the line end). */
export function writeRestoreRule(r: Rule, out: TextOut): void {
  out.write('-A ', r.chain);
  if (r.opaque !== undefined) return out.write(' ', r.opaque);
  // An index loop, not for-of: until the writer is optimised, each step of an iterator is an object.
  for (let i = 0; i < r.matches.length; i++) writeMatch(r.matches[i], out);
  if (r.target) writeTarget(r.target, out);
}

const LINE = new LineOut();

/** One `-A CHAIN …` line in kube-proxy's payload spelling. */
export function restoreRuleLine(r: Rule): string {
  writeRestoreRule(r, LINE);
  return LINE.take();
}
