import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeDataplane } from '../dataplane/describe-dataplane.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { withNamespace } from '../helpers/netns.js';
import { parseIptables } from '../../src/backends/iptables/parseIptables.js';

/*
 * A dump line the real iptables-restore refuses is refused by the dump reader too, at the line
 * iptables-restore names: a diff never compares rules no kernel could hold.
 */

const save = readFileSync(join(FIXTURES_DIR, 'demo', 'expected', 'save.txt'), 'utf8');
const rule = save.split('\n').find((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes(' -p tcp '))!;

/** The demo's save view with one edit; `edit` gets the text and returns the edited text. */
const CASES: readonly { name: string; edit: (text: string) => string }[] = [
  { name: 'a rule with two -p', edit: (t) => t.replace(rule, rule.replace(' -p tcp ', ' -p tcp -p udp ')) },
  { name: 'a rule with two -j', edit: (t) => t.replace(rule, `${rule} -j DROP`) },
  { name: 'a --dport without its value', edit: (t) => t.replace(rule, `${rule} --dport`) },
  { name: 'a table iptables does not have', edit: (t) => t.replace('*nat\n', '*nattt\n') },
  { name: 'a declared chain name of 29 characters', edit: (t) => t.replace(':KUBE-SERVICES - [0:0]\n', ':KUBE-SERVICES - [0:0]\n:KUBE-AAAAAAAAAAAAAAAAAAAAAAAA - [0:0]\n') },
  { name: 'a rule in a chain named with 29 characters', edit: (t) => t.replace(`${rule}\n`, `${rule}\n-A KUBE-AAAAAAAAAAAAAAAAAAAAAAAA -j RETURN\n`) },
  { name: 'a probability above 1', edit: (t) => t.replace(/--probability 0\.\d+/, '--probability 2.5') },
  { name: 'a destination that is no address', edit: (t) => t.replace(/ -d (\d+\.\d+\.\d+)\.\d+\/32 /, ' -d $1.300/32 ') },
];

/** The line iptables-restore --test names for `text` in a fresh namespace, or 0 when it loads. */
async function refusedAt(text: string): Promise<number> {
  return withNamespace('strict', (ns) => {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', '--test'], { input: text, encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return 0;
    const m = /Error occurred at line: (\d+)/.exec(r.stderr);
    if (!m) throw new Error(`iptables-restore failed without naming a line: ${r.stderr}`);
    return Number(m[1]);
  });
}

await describeDataplane('dump lines the real iptables-restore refuses', () => {
  it('the demo save view itself loads and reads without a problem (the control)', async () => {
    expect(await refusedAt(save)).toBe(0);
    expect(parseIptables(save, 'save.txt').diagnostics).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.name}: iptables-restore refuses it, and the reader reports KPC050 at the same line`, async () => {
      const text = c.edit(save);
      expect(text).not.toBe(save);
      const line = await refusedAt(text);
      expect(line).toBeGreaterThan(0);
      const { dump, diagnostics } = parseIptables(text, 'dump.txt');
      expect(dump).toBeUndefined();
      expect(diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual([`KPC050@${line}`]);
    });
  }
});
