import { expect, it } from 'vitest';
import { describeDataplane } from '../dataplane/describe-dataplane.js';
import { listFixtures } from '../helpers/fixtures.js';
import { nsExec, withNamespace } from '../helpers/netns.js';
import { runCli } from '../helpers/runCli.js';

/** `ipset save` prints per-boot hash parameters that the compiler leaves out on purpose. */
const withoutHashParams = (text: string) => text.replace(/ bucketsize \d+ initval 0x[0-9a-f]+/g, '');

// `-m ipvs` needs the kernel's IPVS module, which this machine lacks; those rules (KUBE-IPVS-OUT-FILTER)
// are checked by goldens and the parser only.
const loadable = (payload: string) => payload.split('\n').filter((l) => !l.includes(' -m ipvs ')).join('\n');

/**
 * `ipset save -sorted` lists IPv4 members numerically, as the compiler does; its IPv6 order follows
 * an internal word comparison, so IPv6 members are compared per set regardless of order.
 */
function comparable(text: string, v6: boolean): string {
  if (!v6) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  let adds: string[] = [];
  const flush = () => { out.push(...adds.sort()); adds = []; };
  for (const l of lines) {
    if (l.startsWith('add ')) adds.push(l);
    else { flush(); out.push(l); }
  }
  flush();
  return out.join('\n');
}

await describeDataplane('IPVS mode in a real kernel: ipset restore, then iptables-restore', () => {
  for (const f of listFixtures()) {
    const v6 = f.family === 'ipv6';
    it(`kproxy-compile fixtures/${f.name} --backend ipvs: the sets load with ipset restore and ipset save -sorted prints them back; the payload then loads`, async () => {
      const sets = await runCli([f.dir, ...f.args, '--backend', 'ipvs', '--format', 'ipset']);
      const payload = await runCli([f.dir, ...f.args, '--backend', 'ipvs', '--format', 'restore']);
      expect(sets.code).toBe(0);
      expect(payload.code).toBe(0);
      await withNamespace('ipvs', (ns) => {
        nsExec(ns, 'ipset', ['restore'], sets.stdout);
        expect(comparable(withoutHashParams(nsExec(ns, 'ipset', ['-s', 'save'])), v6)).toBe(comparable(sets.stdout, v6));
        nsExec(ns, v6 ? 'ip6tables-restore' : 'iptables-restore', ['--noflush'], loadable(payload.stdout));
        const saved = nsExec(ns, v6 ? 'ip6tables-save' : 'iptables-save', []);
        expect(saved).toContain('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set');
      });
    });
  }
});
