// Request side of the data-plane harness: batches of TCP/UDP requests sent by probe-client.mjs from
// inside a namespace, so 100 requests cost one process, not 100.
import { fileURLToPath } from 'node:url';
import { nsExec } from './netns.js';
import { run } from './proc.js';

const CLIENT = fileURLToPath(new URL('./probe-client.mjs', import.meta.url));

/** One request's fate. 'refused' is what REJECT looks like, 'timeout' what DROP looks like. */
export type Outcome =
  | { readonly ok: true; readonly reply: string; readonly ms: number }
  | {
      readonly ok: false;
      readonly error: 'refused' | 'timeout' | 'unreachable' | 'reset' | 'no-reply' | 'denied' | 'error';
      readonly code: string;
      readonly ms: number;
    };

export interface ProbeOptions {
  /**
   * Per-request limit; default 2000 ms. Keep it above ~1.1 s where an IPv6 TCP REJECT must read as
   * 'refused': the kernel acts on the ICMPv6 error only for the SYN retransmitted after 1 s.
   */
  readonly timeoutMs?: number;
  /** Number of requests, each from a fresh socket (a new conntrack entry); default 1. */
  readonly count?: number;
  /** Source address to bind, if the sender has several. */
  readonly source?: string;
}

/** Sends `count` requests one after another from namespace `netns`; one outcome per request, in order. */
export async function probe(netns: string, proto: 'tcp' | 'udp', ip: string, port: number, options: ProbeOptions = {}): Promise<Outcome[]> {
  const count = options.count ?? 1;
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!(count >= 1 && count <= 10_000)) throw new Error(`count must be 1..10000, got ${count}`);
  const request = JSON.stringify({ proto, host: ip, port, count, timeoutMs, source: options.source });
  const out = await run(nsExec(netns, [process.execPath, CLIENT, request]), { timeoutMs: count * (timeoutMs + 100) + 3000 });
  const outcomes = out.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Outcome);
  if (outcomes.length !== count) throw new Error(`probe client printed ${outcomes.length} of ${count} outcomes: ${out}`);
  return outcomes;
}

/** Counts outcomes by the replying host's label (first word of the reply) or by error kind. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.ok ? o.reply.split(' ')[0] : o.error;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
