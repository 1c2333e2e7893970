import { expect, it } from 'vitest';
import { describeDataplane } from '../dataplane/describe-dataplane.js';
import { listFixtures } from '../helpers/fixtures.js';
import { nsExec, saveView, withNamespace } from '../helpers/netns.js';
import { runCli } from '../helpers/runCli.js';

await describeDataplane('every fixture in a real kernel', () => {
  for (const f of listFixtures().filter((x) => x.backend === 'iptables')) {
    const v6 = f.family === 'ipv6';
    it(`kproxy-compile fixtures/${f.name} --format restore (loads with the real ${v6 ? 'ip6' : 'ip'}tables-restore)`, async () => {
      const run = await runCli([f.dir, ...f.args, '--format', 'restore']);
      expect(run.code).toBe(0);
      await withNamespace('rst', (ns) => {
        nsExec(ns, v6 ? 'ip6tables-restore' : 'iptables-restore', ['--noflush'], run.stdout);
        const saved = saveView(ns, v6);
        // Every chain the payload declares now exists in the kernel.
        for (const line of run.stdout.split('\n').filter((l) => l.startsWith(':'))) expect(saved).toContain(`${line.split(' ')[0]} `);
      });
    });
    it(`kproxy-compile fixtures/${f.name} --format save (byte-identical to the real ${v6 ? 'ip6' : 'ip'}tables-save after loading it)`, async () => {
      const run = await runCli([f.dir, ...f.args, '--format', 'save']);
      expect(run.code).toBe(0);
      await withNamespace('sav', (ns) => {
        nsExec(ns, v6 ? 'ip6tables-restore' : 'iptables-restore', [], run.stdout);
        expect(saveView(ns, v6)).toBe(run.stdout);
      });
    });
  }
});
