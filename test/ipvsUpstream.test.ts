import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIptables } from '../src/backends/iptables/parseIptables.js';
import { parseIpset, parseIpvsadm } from '../src/backends/ipvs/parseIpvs.js';
import { listFixtures } from './helpers/fixtures.js';
import { runCli } from './helpers/runCli.js';

interface ExpectedVs {
  address: string;
  port: number;
  protocol: string;
  scheduler: string;
  persistent: boolean;
  timeout: number;
  realServers: string[];
  realServersAsserted: boolean;
}
interface Expected {
  test: string;
  virtualServers?: { complete: boolean; count?: number; list: ExpectedVs[] };
  ipsets?: Record<string, string[]>;
  iptables?: Record<string, { jump: string; matchSet: string }[]>;
}

const hostPort = (a: string, p: number) => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);

describe("IPVS mode against kube-proxy's own IPVS tests (fixtures/ipvs/*/upstream-ipvs.jsonc)", () => {
  for (const f of listFixtures().filter((x) => existsSync(join(x.dir, 'upstream-ipvs.jsonc')))) {
    const expected = JSON.parse(readFileSync(join(f.dir, 'upstream-ipvs.jsonc'), 'utf8')) as Expected;
    const v6 = f.family === 'ipv6';
    // kube-proxy's fake creates IPv4-named sets even in IPv6 tests; a real IPv6 node uses KUBE-6-*.
    const setName = (n: string) => (v6 ? `KUBE-6-${n.slice(5)}`.slice(0, 31) : n);

    it(`fixtures/${f.name}: ${expected.test}`, async () => {
      const out = async (format: string) => {
        const run = await runCli([f.dir, ...f.args, '--format', format]);
        expect(run.stderr).not.toMatch(/ error /);
        return run.stdout;
      };
      if (expected.virtualServers) {
        const { servers } = parseIpvsadm(await out('ipvsadm'), 'ipvsadm');
        const vs = expected.virtualServers;
        if (vs.count !== undefined) expect(servers!.length).toBe(vs.count);
        if (vs.complete) expect(servers!.map((s) => `${s.protocol} ${hostPort(s.address, s.port)}`).sort()).toEqual(vs.list.map((s) => `${s.protocol} ${hostPort(s.address, s.port)}`).sort());
        for (const e of vs.list) {
          const got = servers!.find((s) => s.protocol === e.protocol && s.address === e.address && s.port === e.port);
          expect(got, `virtual server ${e.protocol} ${hostPort(e.address, e.port)}`).toBeDefined();
          expect(got!.scheduler).toBe(e.scheduler);
          expect(got!.persistence).toBe(e.persistent ? e.timeout : 0);
          if (e.realServersAsserted) expect(got!.realServers.map((r) => hostPort(r.address, r.port)).sort()).toEqual([...e.realServers].sort());
        }
      }
      if (expected.ipsets) {
        const { sets } = parseIpset(await out('ipset'), 'ipset');
        for (const [name, entries] of Object.entries(expected.ipsets)) {
          const got = sets!.find((s) => s.name === setName(name));
          expect(got, name).toBeDefined();
          expect([...got!.entries].sort(), name).toEqual([...entries].sort());
        }
      }
      if (expected.iptables) {
        const { dump } = parseIptables(await out('restore'), 'restore');
        // kube-proxy's tests gather a chain's rules from the nat table, then the filter table.
        const tables = ['nat', 'filter'].map((n) => dump!.tables.find((t) => t.name === n)!);
        for (const [chain, rules] of Object.entries(expected.iptables)) {
          const got = tables.flatMap((t) => t.rules.filter((r) => r.chain === chain)).map((r) => {
            const set = r.matches.find((m) => m.kind === 'set');
            const jump = r.target?.kind === 'jump' ? r.target.chain : r.target?.kind ?? '';
            return { jump, matchSet: set && set.kind === 'set' ? set.name : '' };
          });
          expect(got, chain).toEqual(rules.map((r) => ({ jump: r.jump, matchSet: r.matchSet ? setName(r.matchSet) : '' })));
        }
      }
    });
  }
});
