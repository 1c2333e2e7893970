// Namespace lifecycle for the data-plane harness: naming, deletion, leftovers of crashed runs, and
// whether this machine can host a world at all.
import { execFileSync } from 'node:child_process';
import { pidAlive, run } from './proc.js';

/** Prefix of every namespace the harness creates; full names are `kpcw-<pid>-<n>-<host>`; test/helpers/netns.ts uses `kpc-`, so stale cleanup never touches its namespaces. */
export const NETNS_PREFIX = 'kpcw-';

/** argv that runs `argv` inside namespace `netns`. */
export const nsExec = (netns: string, argv: readonly string[]): string[] => ['ip', 'netns', 'exec', netns, ...argv];

/** Runs `ip` commands (one per line, without the leading `ip`) inside `netns` in a single process. */
export const ipBatch = (netns: string, lines: readonly string[]): Promise<string> =>
  run(['ip', '-n', netns, '-batch', '-'], { input: lines.join('\n') + '\n' });

/** Kills whatever still runs inside `netns`, then deletes it; a missing namespace is not an error. */
export async function deleteNetns(netns: string): Promise<void> {
  // A process left inside keeps the namespace (and its veths) alive after `ip netns del`.
  const pids = await run(['ip', 'netns', 'pids', netns]).catch(() => '');
  for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run(['ip', 'netns', 'del', netns]).catch((err: Error) => {
    if (!/No such file/.test(err.message)) throw err;
  });
}

/** Deletes namespaces named `<prefix><pid>-<n>-*` whose creating process is dead; resolves the names removed. */
export async function cleanupStale(prefix: string = NETNS_PREFIX): Promise<string[]> {
  const listed = await run(['ip', 'netns', 'list']);
  const stale = listed
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => {
      if (!name.startsWith(prefix)) return false;
      const pid = /^(\d+)-\d+-/.exec(name.slice(prefix.length))?.[1];
      // Other live processes (parallel test workers) own their namespaces; leave those alone.
      return pid !== undefined && Number(pid) !== process.pid && !pidAlive(Number(pid));
    });
  await Promise.all(stale.map((ns) => deleteNetns(ns)));
  return stale;
}

/** What a live world owns, so a run that ends without afterAll can still clean up. */
export interface Owned {
  readonly netns: string[];
  readonly pids: number[];
}

const owned = new Set<Owned>();
let exitHookInstalled = false;

/** Registers `what` for the synchronous best-effort cleanup at process exit; returns the unregister function. */
export function ownUntilExit(what: Owned): () => void {
  owned.add(what);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const entry of owned) {
        for (const pid of entry.pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        for (const ns of entry.netns) {
          try {
            execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 2000 });
          } catch {
            // cleanupStale removes it on the next run
          }
        }
      }
    });
  }
  return () => owned.delete(what);
}

export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };
let availability: Promise<Availability> | undefined;

/** Whether this machine can run data-plane tests: Linux, root, `ip netns`, iptables-restore, ip6tables-restore and nfacct usable in a namespace. */
export function dataplaneAvailable(): Promise<Availability> {
  availability ??= (async (): Promise<Availability> => {
    if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux, this is ${process.platform}` };
    if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root (network namespaces and iptables need it)' };
    const probeNs = `${NETNS_PREFIX}${process.pid}-0-probe`;
    try {
      await run(['ip', 'netns', 'add', probeNs]);
    } catch (err) {
      return { ok: false, reason: `ip netns add fails: ${(err as Error).message}` };
    }
    try {
      const rules = '*nat\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -m statistic --mode random --probability 0.5 -j RETURN\nCOMMIT\n';
      for (const tool of ['iptables-restore', 'ip6tables-restore']) await run(nsExec(probeNs, [tool]), { input: rules });
      await run(nsExec(probeNs, ['nfacct', 'add', 'kpc_probe']));
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    } finally {
      await deleteNetns(probeNs).catch(() => {});
    }
  })();
  return availability;
}
