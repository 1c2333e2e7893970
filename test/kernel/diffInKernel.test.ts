import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeDataplane } from '../dataplane/describe-dataplane.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { nsExec, saveView, withNamespace } from '../helpers/netns.js';
import { runCli } from '../helpers/runCli.js';
import { Command } from 'commander';
import { commonOptions } from '../../src/cli/commonOptions.js';
import { addNodeFlags, normaliseBooleanFlags } from '../../src/cli/nodeFlags.js';
import { loadChurnStates } from '../../src/cli/loadChurnStates.js';
import { churnStep } from '../../src/churn/churnStep.js';

const tmp = mkdtempSync(join(tmpdir(), 'kpc-kdiff-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SEQ = join(FIXTURES_DIR, 'sequences');
const host = { cwd: process.cwd(), readStdin: async () => Buffer.alloc(0) };

/** Loads `payloads` one after another with --noflush into a fresh namespace and returns its iptables-save view. */
async function loaded(tag: string, payloads: readonly string[]): Promise<string> {
  return withNamespace(tag, (ns) => {
    for (const p of payloads) nsExec(ns, 'iptables-restore', ['--noflush'], p);
    return saveView(ns, false);
  });
}

const CHURN_SOURCES = [
  { name: 'rolling-update timeline', src: { paths: [], timeline: join(SEQ, 'rolling-update.yaml') }, args: [] as string[] },
  { name: 'scale-down timeline', src: { paths: [], timeline: join(SEQ, 'scale-down.yaml') }, args: [] as string[] },
  {
    name: 'TestSyncProxyRulesRepeated states',
    src: { paths: [0, 1, 2, 3, 4, 5, 6, 7].map((n) => join(SEQ, 'sync-repeated', `step-0${n}`)) },
    args: readFileSync(join(SEQ, 'sync-repeated', 'args'), 'utf8').split('\n').filter(Boolean),
  },
];

await describeDataplane('restore-delta and diff against a real kernel', () => {
  for (const source of CHURN_SOURCES) {
    it(`${source.name}: OLD full payload + delta (iptables-restore --noflush) equals NEW loaded fresh, at every step`, async () => {
      const cmd = addNodeFlags(new Command().option('--family <family>').exitOverride());
      cmd.parse(normaliseBooleanFlags(source.args).argv, { from: 'user' });
      const { options } = commonOptions(cmd.opts());
      const { states, diagnostics } = await loadChurnStates(source.src, options, host);
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(states!.length).toBeGreaterThan(2);
      for (let i = 1; i < states!.length; i++) {
        const before = states![i - 1].compiled;
        const after = states![i].compiled;
        const step = churnStep(i, states![i].name, before, after);
        const viaDelta = await loaded('dlt', [before.fullPayload, step.deltaPayload]);
        const fresh = await loaded('new', [after.fullPayload]);
        expect(viaDelta, `step ${i}: ${states![i].name}`).toBe(fresh);
      }
    });
  }

  it('kproxy-compile diff fixtures/demo DUMP: no differences with the real iptables-save; exactly one after a rule is removed', async () => {
    const demo = join(FIXTURES_DIR, 'demo');
    const view = (await runCli([demo])).stdout;
    const dump = await withNamespace('dmp', (ns) => {
      nsExec(ns, 'iptables-restore', [], view);
      return nsExec(ns, 'iptables-save', []);
    });
    const dumpFile = join(tmp, 'node.iptables-save');
    writeFileSync(dumpFile, dump);
    const same = await runCli(['diff', demo, dumpFile]);
    expect(same.stdout).toBe('no differences\n');
    expect(same.code).toBe(0);

    // kube-proxy writes services in Go map order: KUBE-SERVICES with its services' blocks reversed is still equal.
    const lines = dump.split('\n');
    const nat = lines.indexOf('*nat');
    const first = lines.findIndex((l, i) => i > nat && l.startsWith('-A KUBE-SERVICES '));
    const tail = lines.findIndex((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes('must be the last rule'));
    const blocks: string[][] = [];
    for (const l of lines.slice(first, tail)) {
      const key = /--comment "([^ "]+)/.exec(l)?.[1].split(':')[0];
      const last = blocks[blocks.length - 1];
      if (last && /--comment "([^ "]+)/.exec(last[0])?.[1].split(':')[0] === key) last.push(l);
      else blocks.push([l]);
    }
    expect(blocks.length).toBeGreaterThan(3);
    const shuffled = [...lines.slice(0, first), ...blocks.reverse().flat(), ...lines.slice(tail)];
    expect(shuffled).not.toEqual(lines);
    writeFileSync(join(tmp, 'shuffled'), shuffled.join('\n'));
    expect((await runCli(['diff', demo, join(tmp, 'shuffled')])).code).toBe(0);

    const victim = lines.find((l) => l.includes('--to-destination 10.244.2.30:8080'))!;
    writeFileSync(join(tmp, 'missing'), lines.filter((l) => l !== victim).join('\n'));
    const missing = await runCli(['diff', demo, join(tmp, 'missing'), '--output', 'json']);
    expect(missing.code).toBe(1);
    const json = JSON.parse(missing.stdout) as { changes: { type: string; rule: string; chain: string; service: string }[] };
    expect(json.changes).toHaveLength(1);
    expect(json.changes[0]).toMatchObject({ type: 'rule-removed', rule: victim, service: 'shop/frontend:http -> 10.244.2.30:8080' });
  });
});
