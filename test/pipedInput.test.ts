import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from './helpers/fixtures.js';

// The real binary, with sides given as pipes the way a shell gives them: `<(iptables-save)` is a
// /dev/fd/N path leading to a pipe, which can be read once only.
const bin = join(import.meta.dirname, '..', 'bin', 'kproxy-compile.js');
const demo = join(FIXTURES_DIR, 'demo');
const golden = readFileSync(join(demo, 'expected', 'save.txt'), 'utf8');
const sepLine = golden.split('\n').find((l) => l.startsWith('-A KUBE-SEP-'))!;
const tmp = mkdtempSync(join(tmpdir(), 'kpc-pipes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Runs `kproxy-compile ARGS` under bash, where an argument `<(cat FILE)` is a process substitution. */
function viaBash(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const line = [process.execPath, bin, ...args].map((a) => (a.startsWith('<(') ? a : quote(a))).join(' ');
  const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const piped = (path: string) => `<(cat ${quote(path)})`;

describe('kproxy-compile diff with a side read from a pipe (`<(iptables-save)`)', () => {
  const dump = file('node.txt', golden);
  const lacking = file('node-lacking.txt', golden.replace(`${sepLine}\n`, ''));

  it('a node dump through a pipe is read as a dump: no differences from the manifests', () => {
    const run = viaBash(['diff', demo, piped(dump)]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('no differences\n');
    expect(run.code).toBe(0);
  });

  it('a rule missing from the piped dump is reported as exactly that rule', () => {
    const run = viaBash(['diff', demo, piped(lacking), '--output', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const { changes } = JSON.parse(run.stdout) as { changes: { type: string; rule: string }[] };
    expect(changes).toEqual([expect.objectContaining({ type: 'rule-removed', rule: sepLine })]);
  });

  it('two dumps, both through pipes', () => {
    const run = viaBash(['diff', piped(dump), piped(lacking), '--output', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as { summary: unknown }).summary).toEqual({ chainsAdded: 0, chainsRemoved: 0, rulesAdded: 0, rulesRemoved: 1 });
  });

  it('manifests through a pipe are read as manifests (and compiled: the rest of the demo is missing)', () => {
    const shop = join(demo, 'shop.yaml');
    const same = viaBash(['diff', piped(shop), shop, '--hostname-override', 'node-a']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    const other = viaBash(['diff', piped(shop), dump, '--output', 'json', '--hostname-override', 'node-a']);
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('"chain-added"');
  });

  it('a piped dump with a bad line: exit 2, nothing on stdout, the line named in the pipe', () => {
    const bad = file('node-bad.txt', golden.replace(sepLine, `${sepLine} --comment "open`));
    const run = viaBash(['diff', demo, piped(bad)]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const at = golden.split('\n').indexOf(sepLine) + 1;
    expect(run.stderr).toMatch(new RegExp(`^/dev/fd/\\d+:${at}: error KPC05\\d: `, 'm'));
  });

  it('an IPVS dump through a pipe (--backend ipvs) is read as a dump', () => {
    const ipvs = join(demo, 'expected', 'ipvs.txt');
    const run = viaBash(['diff', '--backend', 'ipvs', demo, piped(ipvs)]);
    expect(run.stdout).toBe('no differences\n');
    expect(run.code).toBe(0);
  });

  it('a named FIFO with a writer is read as a pipe is', async () => {
    const fifo = join(tmp, 'node.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', `cat ${quote(lacking)} > ${quote(fifo)}`], { timeout: 30_000 });
    const wrote = new Promise((resolve) => writer.on('close', resolve));
    const run = spawnSync(process.execPath, [bin, 'diff', demo, fifo, '--output', 'json'], { encoding: 'utf8', timeout: 30_000 });
    await wrote;
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect((JSON.parse(run.stdout) as { summary: unknown }).summary).toEqual({ chainsAdded: 0, chainsRemoved: 0, rulesAdded: 0, rulesRemoved: 1 });
  });
});

describe('an input without end (/dev/zero) is refused past 1 GiB, not read for ever', () => {
  const refused = (source: string) => new RegExp(`^${source}: error KPC001: cannot read ${source}: larger than 1 GiB[^\\n]*\\n$`);

  it('named as a path: exit 2, one KPC001 line, nothing on stdout', () => {
    const run = spawnSync(process.execPath, [bin, '/dev/zero'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(refused('/dev/zero'));
  });

  it('on standard input: the same', () => {
    const zero = openSync('/dev/zero', 'r');
    try {
      const run = spawnSync(process.execPath, [bin, '-'], { encoding: 'utf8', timeout: 120_000, stdio: [zero, 'pipe', 'pipe'] });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(refused('<stdin>'));
    } finally {
      closeSync(zero);
    }
  });
});
