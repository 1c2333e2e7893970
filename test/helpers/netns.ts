import { execFileSync, spawnSync } from 'node:child_process';

// Namespaces here are `kpc-…`; the data-plane worlds use `kpcw-…` and clean up their own.

let counter = 0;

/** A unique namespace name for this process (Linux limits names; keep it short). */
export function uniqueNs(tag: string): string {
  counter += 1;
  return `kpc-${tag}-${process.pid % 100000}-${counter}`;
}

/** Runs a command inside a namespace; throws with stderr on failure. */
export function nsExec(ns: string, cmd: string, args: readonly string[], input?: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
}

/** Creates a namespace with kube-proxy's nfacct counters, runs `fn`, and always deletes it. */
export async function withNamespace<T>(tag: string, fn: (ns: string) => Promise<T> | T): Promise<T> {
  const ns = uniqueNs(tag);
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    for (const c of ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts']) nsExec(ns, 'nfacct', ['add', c]);
    return await fn(ns);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** `iptables-save` output without its `#` comment lines (timestamps). */
export function saveView(ns: string, v6: boolean): string {
  return nsExec(ns, v6 ? 'ip6tables-save' : 'iptables-save', []).split('\n').filter((l) => !l.startsWith('#')).join('\n');
}
