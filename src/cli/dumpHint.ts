import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';

const V6 = /\/128 |icmp6-port-unreachable|--to-destination \[/;
const V4 = /\/32 |icmp-port-unreachable|--to-destination \d+\.\d+\.\d+\.\d+/;

/**
 * A warning when a rules dump holds nothing at all: every rule compared with it is then missing,
 * and the likelier reason is that the command that wrote it failed (`<(ssh node iptables-save)`
 * without the rights), not that the node has no rules. Also when a dump is plainly of the other
 * IP family than the one compared (an ip6tables-save dump diffed without --family ipv6): every
 * rule would differ, and the reason is one flag. Undefined when neither is the case.
 */
export function dumpHint(text: string, family: 'IPv4' | 'IPv6', file: string): Diagnostic | undefined {
  if (!/^[ \t]*[^\s#]/m.test(text)) return diag('KPC054', 'holds no rules at all (is it the output of a command that failed?): every rule compared with it is missing', { file });
  const v6 = V6.test(text);
  const v4 = V4.test(text);
  if (family === 'IPv4' && v6 && !v4) return diag('KPC053', 'holds IPv6 rules (ip6tables-save output?) but is compared as IPv4: pass --family ipv6', { file });
  if (family === 'IPv6' && v4 && !v6) return diag('KPC053', 'holds IPv4 rules (iptables-save output?) but is compared as IPv6: pass --family ipv4', { file });
  return undefined;
}
