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

/**
 * The demo's save view with one edit; `edit` gets the text and returns the edited text. `load`:
 * only a real load (not --test, which does not look chains up) shows the refusal.
 */
const CASES: readonly { name: string; edit: (text: string) => string; load?: true }[] = [
  { name: 'a rule with two -p', edit: (t) => t.replace(rule, rule.replace(' -p tcp ', ' -p tcp -p udp ')) },
  { name: 'a rule with two -j', edit: (t) => t.replace(rule, `${rule} -j DROP`) },
  { name: 'a --dport without its value', edit: (t) => t.replace(rule, `${rule} --dport`) },
  { name: 'a table iptables does not have', edit: (t) => t.replace('*nat\n', '*nattt\n') },
  { name: 'a declared chain name of 29 characters', edit: (t) => t.replace(':KUBE-SERVICES - [0:0]\n', ':KUBE-SERVICES - [0:0]\n:KUBE-AAAAAAAAAAAAAAAAAAAAAAAA - [0:0]\n') },
  { name: 'a rule in a chain named with 29 characters', edit: (t) => t.replace(`${rule}\n`, `${rule}\n-A KUBE-AAAAAAAAAAAAAAAAAAAAAAAA -j RETURN\n`) },
  { name: 'a probability above 1', edit: (t) => t.replace(/--probability 0\.\d+/, '--probability 2.5') },
  { name: 'a destination that is no address', edit: (t) => t.replace(/ -d (\d+\.\d+\.\d+)\.\d+\/32 /, ' -d $1.300/32 ') },
  { name: 'a rule in a chain the table never declares', edit: (t) => t.replace(`${rule}\n`, `${rule}\n-A KUBE-NOT-DECLARED -j RETURN\n`), load: true },
  { name: 'a rule in a chain declared only after it', edit: (t) => t.replace(`${rule}\n`, `${rule}\n-A KUBE-LATE -j RETURN\n`).replace('COMMIT\n*nat', ':KUBE-LATE - [0:0]\nCOMMIT\n*nat'), load: true },
  { name: 'a NUL byte inside a chain name', edit: (t) => t.replace(rule, rule.replace('-A KUBE-SERVICES ', '-A KUBE-SERV\0ICES ')), load: true },
  { name: 'a chain deleted without being declared', edit: (t) => t.replace(`${rule}\n`, `${rule}\n-X KUBE-NOT-DECLARED\n`), load: true },
];

/** The line iptables-restore --test names for `text` in a fresh namespace, or 0 when it loads. */
async function refusedAt(text: string, load = false): Promise<number> {
  return withNamespace('strict', (ns) => {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', ...(load ? [] : ['--test'])], { input: text, encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return 0;
    const m = /Error occurred at line: (\d+)/.exec(r.stderr) ?? /line (\d+) failed/.exec(r.stderr);
    if (!m) throw new Error(`iptables-restore failed without naming a line: ${r.stderr}`);
    return Number(m[1]);
  });
}

await describeDataplane('dump lines the real iptables-restore refuses', () => {
  it('the demo save view itself loads and reads without a problem (the control)', async () => {
    expect(await refusedAt(save)).toBe(0);
    expect(parseIptables(save, 'save.txt').diagnostics).toEqual([]);
  });

  it('a jump to a chain the table never declares: iptables-restore refuses the table (at its COMMIT), the reader the jump\'s line', async () => {
    const text = save.replace(`${rule}\n`, `${rule}\n-A KUBE-SERVICES -j KUBE-NOT-DECLARED\n`);
    const at = text.split('\n').indexOf('-A KUBE-SERVICES -j KUBE-NOT-DECLARED') + 1;
    const commit = text.split('\n').findIndex((l, i) => i >= at && l === 'COMMIT') + 1;
    expect(await refusedAt(text, true)).toBe(commit);
    const { dump, diagnostics } = parseIptables(text, 'dump.txt');
    expect(dump).toBeUndefined();
    expect(diagnostics.map((d) => `${d.code}@${d.line}: ${d.message}`)).toEqual([`KPC050@${at}: jumps to chain "KUBE-NOT-DECLARED", which table filter has not declared before this line (a ':KUBE-NOT-DECLARED ...' line): iptables-restore refuses it`]);
  });

  it('a jump to a target extension (no chain of that name) is no such problem', async () => {
    const text = save.replace(`${rule}\n`, `${rule}\n-A KUBE-SERVICES -p tcp -m tcp --dport 9 -j TCPMSS --clamp-mss-to-pmtu\n-A KUBE-SERVICES -j NFLOG\n`);
    expect(await refusedAt(text, true)).toBe(0);
    expect(parseIptables(text, 'dump.txt').diagnostics).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.name}: iptables-restore refuses it, and the reader reports KPC050 at the same line`, async () => {
      const text = c.edit(save);
      expect(text).not.toBe(save);
      const line = await refusedAt(text, c.load);
      expect(line).toBeGreaterThan(0);
      const { dump, diagnostics } = parseIptables(text, 'dump.txt');
      expect(dump).toBeUndefined();
      expect(diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual([`KPC050@${line}`]);
    });
  }
});
