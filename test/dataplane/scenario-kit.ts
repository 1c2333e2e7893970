// Shared pieces of the scenario suites: compile manifests for the node of a world, and judge the
// outcomes of real requests with loose but principled statistical bounds.
import { expect } from 'vitest';
import { runCli } from '../helpers/runCli.js';
import type { Family, Outcome, World } from './world.js';

/** The node name the compiler is told; endpoints with this nodeName are local. */
export const THIS_NODE = 'node-a';
/** A node name for endpoints that are pods of the world but count as remote. */
export const OTHER_NODE = 'node-b';
export const CLUSTER_CIDR_V4 = '10.244.0.0/16';
/** Covers every pod address fd00:10:244:<i>::2. */
export const CLUSTER_CIDR_V6 = 'fd00:10:244::/48';

/** CLI flags that describe the node of `world`: its name, primary IPs, every local address and the pod CIDRs. */
export function nodeFlags(world: World): string[] {
  const peers = [...world.clients, ...world.pods];
  const v6 = world.node.ipv6 !== undefined;
  const addresses = [
    ...peers.map((p) => p.gateway4),
    '127.0.0.1',
    ...(v6 ? [...peers.map((p) => p.gateway6!), '::1'] : []),
  ];
  return [
    '--hostname-override',
    THIS_NODE,
    '--node-ip',
    world.node.ipv4,
    ...(v6 ? ['--node-ip', world.node.ipv6!] : []),
    '--node-addresses',
    addresses.join(','),
    '--cluster-cidr',
    v6 ? `${CLUSTER_CIDR_V4},${CLUSTER_CIDR_V6}` : CLUSTER_CIDR_V4,
  ];
}

/** Compiles YAML manifests for the node of `world` into its iptables-save view; throws with the diagnostics on failure. */
export async function compileFor(world: World, manifests: string, family: Family = 'ipv4'): Promise<string> {
  const result = await runCli(['-', ...nodeFlags(world), '--family', family, '--format', 'save'], { stdin: manifests });
  if (result.code !== 0) throw new Error(`kproxy-compile exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/** A successful request, split into the replying pod's label and the source address it saw. */
export interface Reply {
  readonly pod: string;
  readonly source: string;
}

/** Asserts that every request was answered and returns who answered and what source each pod saw. */
export function answered(outcomes: readonly Outcome[]): Reply[] {
  const failures = outcomes.filter((o) => !o.ok);
  expect(failures, `${failures.length} of ${outcomes.length} requests failed`).toEqual([]);
  return outcomes.map((o) => {
    if (!o.ok) throw new Error('unreachable');
    const [pod, source] = o.reply.split(' ');
    return { pod, source };
  });
}

/** Counts replies per pod. */
export function perPod(replies: readonly Reply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replies) counts[r.pod] = (counts[r.pod] ?? 0) + 1;
  return counts;
}

/**
 * The smallest share each of `k` equally likely endpoints must get out of `n` independent
 * requests: the largest m with P(Binomial(n, 1/k) < m) <= 1e-7. Asserting at least m per
 * endpoint fails a correct rule set with probability below k * 1e-7.
 */
export function fairShareFloor(n: number, k: number, tail = 1e-7): number {
  const p = 1 / k;
  let logC = 0; // log C(n, i)
  let cdf = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    const pmf = Math.exp(logC + i * Math.log(p) + (n - i) * Math.log1p(-p));
    if (cdf + pmf > tail) return i;
    cdf += pmf;
  }
  return n;
}

/** Asserts every request was answered, by exactly `pods`, each getting a fair share; returns the replies. */
export function expectFairShare(outcomes: readonly Outcome[], pods: readonly string[]): Reply[] {
  const replies = answered(outcomes);
  const counts = perPod(replies);
  expect(Object.keys(counts).sort()).toEqual([...pods].sort());
  const floor = fairShareFloor(outcomes.length, pods.length);
  for (const pod of pods) expect(counts[pod], `${pod} got ${counts[pod]} of ${outcomes.length} (floor ${floor})`).toBeGreaterThanOrEqual(floor);
  return replies;
}

/** Asserts every request failed the same way, e.g. 'refused' (REJECT) or 'timeout' (DROP). */
export function expectAllFail(outcomes: readonly Outcome[], error: 'refused' | 'timeout'): void {
  expect(outcomes.map((o) => (o.ok ? `answered: ${o.reply}` : o.error))).toEqual(outcomes.map(() => error));
}

/** The pod `name` of `world` (pod1, pod2, ...). */
export function pod(world: World, name: string) {
  const found = world.pods.find((p) => p.name === name);
  if (!found) throw new Error(`no pod ${name}`);
  return found;
}

/**
 * Packets matched so far by the node's rules in `table`/`chain` whose text contains every one of
 * `needles` (e.g. the destination and the target). A DROP is invisible to the sender beyond a
 * timeout, and a packet that escaped the rules could time out too; the counter tells them apart.
 */
export async function ruleHits(world: World, table: string, chain: string, needles: readonly string[], family: Family = 'ipv4'): Promise<number> {
  const saved = await world.exec('node', [family === 'ipv6' ? 'ip6tables-save' : 'iptables-save', '-c', '-t', table]);
  let packets = 0;
  let rules = 0;
  for (const m of saved.matchAll(/^\[(\d+):\d+\] -A (\S+) (.*)$/gm)) {
    if (m[2] !== chain || !needles.every((n) => m[3].includes(n))) continue;
    rules += 1;
    packets += Number(m[1]);
  }
  if (rules === 0) throw new Error(`no ${table} ${chain} rule contains ${needles.join(' and ')}`);
  return packets;
}
