import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

/**
 * Runs `kproxy-compile ARGS` under bash, where an argument `<(cat FILE)` is a process
 * substitution; `shell` goes around the command as a shell pipeline would (`cat F | CMD`).
 */
function viaBash(args: readonly string[], opts: { cwd?: string; before?: string; after?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const line = [process.execPath, bin, ...args].map((a) => (a.startsWith('<(') ? a : quote(a))).join(' ');
  const r = spawnSync('bash', ['-c', `${opts.before ?? ''}${line}${opts.after ?? ''}`], { encoding: 'utf8', timeout: 60_000, cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** The demo's manifests as one YAML stream (what `kubectl get -o yaml` would pipe in). */
const demoStream = file('demo.yaml', readdirSync(demo).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(demo, f), 'utf8')).join('\n---\n'));
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

describe('one input reached by two names, or read more than once, gives the same bytes each time', () => {
  const sequences = join(FIXTURES_DIR, 'sequences');
  const demoNode = ['--hostname-override', 'node-a'];

  it('standard input as - and as /dev/stdin (a pipe or a file) is read once: compile and diff see one input', () => {
    for (const redirect of [{ before: `cat ${quote(demoStream)} | ` }, { after: ` < ${quote(demoStream)}` }]) {
      const compiled = viaBash(['-', '/dev/stdin'], redirect);
      expect(compiled.stderr).toBe('');
      expect(compiled.stdout).toBe(golden);
      const diffed = viaBash(['diff', '-', '/dev/stdin'], redirect);
      expect(diffed.stdout).toBe('no differences\n');
      expect(diffed.code).toBe(0);
    }
  });

  it('a FIFO named twice (itself and a symlink to it) is read once, not waited on again', async () => {
    const fifo = join(tmp, 'twice.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    symlinkSync(fifo, join(tmp, 'twice-link.fifo'));
    const writer = spawn('sh', ['-c', `cat ${quote(demoStream)} > ${quote(fifo)}`], { timeout: 30_000 });
    const wrote = new Promise((resolve) => writer.on('close', resolve));
    const run = spawnSync(process.execPath, [bin, 'diff', fifo, join(tmp, 'twice-link.fifo')], { encoding: 'utf8', timeout: 30_000 });
    await wrote;
    expect(run.stdout).toBe('no differences\n');
    expect(run.status).toBe(0);
  });

  it('churn: the same pipe as two states is one state twice (no change), and a piped --config serves every state', () => {
    const same = viaBash(['churn', '/dev/fd/3', '/dev/fd/3', '--output', 'json'], { before: `exec 3< <(cat ${quote(demoStream)}); ` });
    expect(same.code).toBe(0);
    const steps = (JSON.parse(same.stdout) as { steps: { rules: unknown }[] }).steps;
    expect(steps).toHaveLength(1);
    expect(steps[0].rules).toEqual({ added: 0, removed: 0, changed: 0 });
    const config = join(demo, 'kube-proxy-config.yaml');
    const shop = join(demo, 'shop.yaml');
    const withFile = viaBash(['churn', shop, demo, '--config', config, '--output', 'json']);
    const withPipe = viaBash(['churn', shop, demo, '--config', piped(config), '--output', 'json']);
    expect(withPipe.stderr).toBe(withFile.stderr);
    expect(withPipe.code).toBe(0);
    expect(withPipe.stdout).toBe(withFile.stdout);
  });

  it('a timeline through a pipe or /dev/stdin has its start relative to the working directory, and the error says so', () => {
    const timeline = join(sequences, 'rolling-update.yaml');
    const asFile = viaBash(['churn', '--timeline', timeline]);
    expect(asFile.code).toBe(0);
    expect(viaBash(['churn', '--timeline', piped(timeline)], { cwd: sequences }).stdout).toBe(asFile.stdout.replaceAll(join(sequences, '../demo'), '../demo'));
    expect(viaBash(['churn', '--timeline', '/dev/stdin'], { cwd: sequences, after: ` < ${quote(timeline)}` }).stdout).toBe(asFile.stdout.replaceAll(join(sequences, '../demo'), '../demo'));
    const elsewhere = viaBash(['churn', '--timeline', piped(timeline)], { cwd: tmp });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/^\/dev\/fd\/\d+:5: error KPC001: Timeline: start: cannot read \.\.\/demo \(from the working directory: a timeline read from standard input or a pipe has no directory of its own\): no such file or directory\n$/);
  });

  it('an IPVS --format all dump saved with CRLF line ends is read as with LF', () => {
    const crlf = file('ipvs-crlf.txt', readFileSync(join(demo, 'expected', 'ipvs.txt'), 'utf8').replaceAll('\n', '\r\n'));
    const run = viaBash(['diff', '--backend', 'ipvs', demo, crlf]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.stdout).toBe('no differences\n');
    expect(run.code).toBe(0);
  });

  it('an empty dump (a command that failed) is a KPC054 warning, not silence', () => {
    const run = viaBash(['diff', demo, '<(true)', '--new-format', 'rules', ...demoNode]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^\/dev\/fd\/\d+: warning KPC054: holds no rules at all/);
  });
});

describe('standard input and -o that are not what they seem', () => {
  it('a directory as standard input is refused (KPC001), not read as an empty cluster', () => {
    const run = viaBash(['-'], { after: ` < ${quote(tmp)}` });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('<stdin>: error KPC001: cannot read <stdin>: is a directory\n');
  });

  it('a socket named as an input: KPC001 in words', async () => {
    const sock = join(tmp, 'sock.yaml');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const run = spawnSync(process.execPath, [bin, sock], { encoding: 'utf8', timeout: 30_000 });
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(`${sock}: error KPC001: cannot read ${sock}: no device or address to read (a socket cannot be read as a file)\n`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('-o /dev/stdout with >> appends to the file, and with > fills it: the shell\'s redirection holds', () => {
    const log = file('appended.txt', 'HEADER\n');
    expect(viaBash([demo, '-o', '/dev/stdout'], { after: ` >> ${quote(log)}` }).code).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe(`HEADER\n${golden}`);
    const fresh = file('fresh.txt', 'OLD\n');
    expect(viaBash([demo, '-o', '/dev/stdout'], { after: ` > ${quote(fresh)}` }).code).toBe(0);
    expect(readFileSync(fresh, 'utf8')).toBe(golden);
    const errLog = file('stderr.txt', 'LOG\n');
    expect(viaBash([demo, '-o', '/dev/stderr'], { after: ` 2>> ${quote(errLog)} > /dev/null` }).code).toBe(0);
    expect(readFileSync(errLog, 'utf8')).toBe(`LOG\n${golden}`);
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
