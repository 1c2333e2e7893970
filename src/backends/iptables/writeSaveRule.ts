import type { Match, Rule, Target } from '../../ir/iptables.js';
import { LineOut, type TextOut } from '../../util/byteText.js';
import { neg } from './writeRestoreRule.js';

/** xt_statistic keeps lround(p * 2^31) and prints it back with %.11f. */
export function savedProbability(text: string): string {
  const stored = Math.round(Number(text) * 0x80000000);
  // stored / 2^31 is exact in binary; print its exact decimal expansion rounded half-even at 11 digits.
  const num = BigInt(stored) * 10n ** 11n;
  const den = 1n << 31n;
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(12, '0');
  return `${s.slice(0, -11)}.${s.slice(-11)}`;
}

/** A cluster has only a few distinct probabilities (1/n for its endpoint counts) but many rules using them. */
const savedProbabilities = new Map<string, string>();
function savedProbabilityCached(text: string): string {
  let saved = savedProbabilities.get(text);
  if (saved === undefined) savedProbabilities.set(text, (saved = savedProbability(text)));
  return saved;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** iptables-save prints addresses with an explicit prefix length: what to append to `addr`. */
function prefixSuffix(addr: string): string {
  // One pass over the characters, not a search for each of two.
  let v6 = false;
  for (let i = 0; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c === 0x2f) return '';
    if (c === 0x3a) v6 = true;
  }
  return v6 ? '/128' : '/32';
}

/** Writes ` -m …` for a match that is a module (or a protocol module's options); nothing for other matches. */
function writeModule(m: Match, rule: Rule, v6: boolean, o: TextOut): void {
  const mask = v6 ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255';
  switch (m.kind) {
    case 'comment': return o.write(' -m comment --comment "', m.text, '"');
    case 'proto': {
      if (m.bare) return;
      for (let i = 0; i < rule.matches.length; i++) {
        const x = rule.matches[i];
        if (x.kind === 'dport') return o.write(' -m ', m.proto, ' --dport ', String(x.port));
      }
      return o.write(' -m ', m.proto);
    }
    case 'addrtype': return o.write(' -m addrtype ', neg(m), `--${m.dir}-type `, m.type);
    case 'physdevIsIn': return o.write(' -m physdev ', neg(m), '--physdev-is-in');
    case 'ipvs': return o.write(` -m ipvs --vaddr ${m.vaddr}${prefixSuffix(m.vaddr)} --vproto ${m.vproto === 'tcp' ? 6 : m.vproto === 'udp' ? 17 : 132} --vport ${m.vport}`);
    case 'conntrack': return o.write(' -m conntrack ', neg(m), '--ctstate ', m.states);
    case 'mark': return o.write(' -m mark ', neg(m), '--mark ', hex(m.value), `/${hex(m.mask)}`);
    case 'recentSet': return o.write(' -m recent --set --name ', m.name, ' --mask ', mask, ' --rsource');
    case 'recentCheck': return o.write(` -m recent --rcheck --seconds ${m.seconds} --reap --name `, m.name, ' --mask ', mask, ' --rsource');
    case 'statistic': return o.write(' -m statistic --mode random --probability ', savedProbabilityCached(m.probability));
    // iptables 1.8's nfacct printer emits two spaces here.
    case 'nfacct': return o.write(' -m nfacct --nfacct-name  ', m.name);
    case 'set': return o.write(' -m set ', neg(m), '--match-set ', m.name, ` ${m.dirs}`);
    default: return;
  }
}

/** Writes ` -j …`. */
function writeTarget(t: Target, v6: boolean, o: TextOut): void {
  switch (t.kind) {
    case 'jump': return o.write(' -j ', t.chain);
    case 'DNAT': return o.write(' -j DNAT --to-destination ', t.to);
    case 'MASQUERADE': return o.write(t.randomFully ? ' -j MASQUERADE --random-fully' : ' -j MASQUERADE');
    case 'MARK': return o.write(' -j MARK --set-xmark ', hex(t.value), t.op === 'or' ? `/${hex(t.value)}` : '/0x0');
    case 'REJECT': return o.write(v6 ? ' -j REJECT --reject-with icmp6-port-unreachable' : ' -j REJECT --reject-with icmp-port-unreachable');
    default: return o.write(' -j ', t.kind);
  }
}

/** iptables-save prints these before any module, each kind in turn; writeSaveRule marks each with its bit. */
const LEADING_KINDS = ['src', 'dst', 'inIface', 'proto'] as const;
function leadingBit(kind: Match['kind']): number {
  switch (kind) {
    case 'src': return 1;
    case 'dst': return 2;
    case 'inIface': return 4;
    case 'proto': return 8;
    default: return 0;
  }
}

/** Writes ` -s …` and the like: an address, interface or protocol option, which iptables-save prints ahead of the modules. */
function writeLeading(m: Match, o: TextOut): void {
  switch (m.kind) {
    case 'src': return o.write(m.negate ? ' ! -s ' : ' -s ', m.addr, prefixSuffix(m.addr));
    case 'dst': return o.write(m.negate ? ' ! -d ' : ' -d ', m.addr, prefixSuffix(m.addr));
    case 'inIface': return o.write(m.negate ? ' ! -i ' : ' -i ', m.name);
    case 'proto': return o.write(' -p ', m.proto);
    default: return;
  }
}

/** Writes one rule as `iptables-save` prints it (without the line end): addresses, interface and protocol first, then modules. */
export function writeSaveRule(r: Rule, v6: boolean, out: TextOut): void {
  out.write('-A ', r.chain);
  if (r.opaque !== undefined) return out.write(' ', r.opaque);
  // Which leading kinds the rule has, found in one pass: most rules have one or two of the four.
  // Index loops, not for-of: until the writer is optimised, each step of an iterator is an object.
  const ms = r.matches;
  let leading = 0;
  for (let i = 0; i < ms.length; i++) leading |= leadingBit(ms[i].kind);
  for (let k = 0; k < LEADING_KINDS.length; k++) {
    if (leading & (1 << k)) for (let i = 0; i < ms.length; i++) if (ms[i].kind === LEADING_KINDS[k]) writeLeading(ms[i], out);
  }
  for (let i = 0; i < ms.length; i++) writeModule(ms[i], r, v6, out);
  if (r.target) writeTarget(r.target, v6, out);
}

const LINE = new LineOut();

/** One rule as `iptables-save` prints it. */
export function saveRuleLine(r: Rule, v6: boolean): string {
  writeSaveRule(r, v6, LINE);
  return LINE.take();
}
