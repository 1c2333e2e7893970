// Benchmark for kproxy-compile: `npm run bench`. Not part of the test suite.
//
// For each synthetic cluster size it times the CLI as a child process (median of 3), records peak
// RSS, output size and rules per second, and, where the machine allows (root, `ip netns`,
// iptables-restore), times `iptables-restore --test` on the restore payload inside a throwaway
// network namespace. It also times diffs: two states differing in 1 % of endpoints, and the node
// check (the manifests against their own iptables-save view with KUBE-SERVICES in a node's map
// order: no differences). Prints a table and writes bench/results.json.
//
// Environment knobs (all optional):
//   KPC_BENCH_SIZES     comma-separated SERVICESxENDPOINTS, default "1000x10,10000x10"
//   KPC_BENCH_RUNS      runs per measurement, default 3
//   KPC_BENCH_DEADLINE  overall budget in seconds, default 1200; later steps are skipped past it
//   KPC_BENCH_RSS       "time" or "node" to force how peak RSS is measured
//   KPC_BENCH_NETNS     "0" to skip the iptables-restore comparison

import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateCluster } from './generate.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const CLI = join(ROOT, 'bin', 'kproxy-compile.js');
const DIST_BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const RESULTS = join(HERE, 'results.json');

const RUNS = clampInt(process.env.KPC_BENCH_RUNS, 3, 1, 9);
const DEADLINE_S = clampInt(process.env.KPC_BENCH_DEADLINE, 1200, 30, 7200);
const COMPILE_TIMEOUT_MS = 180_000;
const RESTORE_TIMEOUT_MS = 180_000;
const SMALL_TIMEOUT_MS = 15_000;
const NODE_FLAGS = ['--hostname-override', 'node-0', '--node-ip', '192.168.0.10', '--cluster-cidr', '10.0.0.0/8'];
const NFACCT_COUNTERS = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'];
const TARGET = { size: '10000x10', wallS: 1.5, rssMiB: 600, ratio: 0.25 };

const started = process.hrtime.bigint();
const elapsedS = () => Number(process.hrtime.bigint() - started) / 1e9;
const remainingMs = () => Math.max(0, DEADLINE_S * 1000 - elapsedS() * 1000);
const bounded = (cap) => Math.max(1000, Math.min(cap, remainingMs()));
/** Lets pending signal handlers run between the (synchronous) child processes. */
const tick = () => new Promise((r) => setImmediate(r));

function clampInt(text, dflt, lo, hi) {
  const n = Number.parseInt(text ?? '', 10);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : dflt;
}

function parseSizes(text) {
  return (text ?? '1000x10,10000x10').split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s);
    if (!m) throw new Error(`KPC_BENCH_SIZES: ${JSON.stringify(s)} is not SERVICESxENDPOINTS`);
    const services = Number(m[1]);
    const endpoints = Number(m[2]);
    if (services < 1 || services > 50_000 || endpoints < 1 || endpoints > 100) throw new Error(`KPC_BENCH_SIZES: ${s} is out of range (1-50000 x 1-100)`);
    return { label: s, services, endpoints };
  });
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin'])) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try { accessSync(p, constants.X_OK); return p; } catch { /* keep looking */ }
  }
  return null;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs a command synchronously and returns its result with the wall time in seconds. */
function timed(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, ...opts });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return { r, wall };
}

function failure(what, r) {
  if (r.error) return `${what}: ${r.error.code === 'ETIMEDOUT' ? 'timed out' : r.error.message}`;
  if (r.signal) return `${what}: killed by ${r.signal}`;
  const err = String(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  return `${what}: exit ${r.status}${err ? ` (${err.slice(0, 300)})` : ''}`;
}

/** Counts lines and `-A` lines of a rules file without splitting it into strings. */
function countOutput(file) {
  const buf = readFileSync(file);
  let lines = 0;
  let appends = 0;
  let atStart = true;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (atStart && c === 0x2d && buf[i + 1] === 0x41 && buf[i + 2] === 0x20) appends++;
    atStart = c === 0x0a;
    if (atStart) lines++;
  }
  if (buf.length && buf[buf.length - 1] !== 0x0a) lines++;
  return { bytes: buf.length, lines, appends };
}

// ---- peak RSS ---------------------------------------------------------------------------------

/** Runs the CLI in this node binary and reports peak RSS (KiB) when the process exits. */
const RSS_WRAPPER = `
import { writeFileSync } from 'node:fs';
process.argv = [process.argv[0], 'kproxy-compile', ...JSON.parse(process.env.KPC_BENCH_ARGS)];
process.on('exit', () => writeFileSync(process.env.KPC_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
const { runProcess } = await import(process.env.KPC_BENCH_ENTRY);
await runProcess();
`;

function rssMode() {
  const forced = process.env.KPC_BENCH_RSS;
  if (forced === 'node') return { mode: 'node', note: 'process.resourceUsage().maxRSS from an in-process wrapper (forced)' };
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  if (time && forced !== 'node') {
    const probe = spawnSync(time, ['-f', '%M', 'true'], { encoding: 'utf8', timeout: SMALL_TIMEOUT_MS });
    if (probe.status === 0 && /^\d+\s*$/m.test(probe.stderr)) return { mode: 'time', path: time, note: '/usr/bin/time -f %M' };
  }
  if (forced === 'time') throw new Error('KPC_BENCH_RSS=time but /usr/bin/time -f %M does not work here');
  return { mode: 'node', note: 'process.resourceUsage().maxRSS from an in-process wrapper (/usr/bin/time unavailable)' };
}

/** CLI arguments per measured output. */
const FORMAT_ARGS = {
  restore: ['--format', 'restore'],
  save: ['--format', 'save'],
  ipvs: ['--backend', 'ipvs', '--format', 'all'],
};

/** One compile run: returns wall seconds and peak RSS in KiB. */
function compileOnce(rss, input, format, out, scratch) {
  const args = [input, ...NODE_FLAGS, ...(FORMAT_ARGS[format] ?? ['--format', format]), '-o', out];
  const rssFile = join(scratch, 'rss.txt');
  rmSync(rssFile, { force: true });
  rmSync(out, { force: true });
  const opts = { encoding: 'utf8', timeout: bounded(COMPILE_TIMEOUT_MS), stdio: ['ignore', 'pipe', 'pipe'] };
  let res;
  if (rss.mode === 'time') {
    res = timed(rss.path, ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...args], opts);
  } else {
    res = timed(process.execPath, ['--input-type=module', '-e', RSS_WRAPPER], {
      ...opts,
      env: { ...process.env, KPC_BENCH_ARGS: JSON.stringify(args), KPC_BENCH_RSS_FILE: rssFile, KPC_BENCH_ENTRY: pathToFileURL(DIST_BIN).href },
    });
  }
  if (res.r.status !== 0 || res.r.error) throw new Error(failure(`kproxy-compile --format ${format}`, res.r));
  const text = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n').pop() : '';
  const rssKiB = Number.parseInt(text, 10);
  const stderrLines = res.r.stderr ? res.r.stderr.split('\n').filter(Boolean).length : 0;
  return { wall: res.wall, rssKiB: Number.isFinite(rssKiB) ? rssKiB : null, stderrLines };
}

async function benchCompile(rss, input, format, out, scratch) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    await tick();
    if (remainingMs() <= 0) throw new Error('overall deadline reached');
    runs.push(compileOnce(rss, input, format, out, scratch));
  }
  const walls = runs.map((r) => r.wall);
  const rsses = runs.map((r) => r.rssKiB).filter((x) => x !== null);
  const counts = countOutput(out);
  const wall = median(walls);
  return {
    format,
    wallS: { median: wall, min: Math.min(...walls), max: Math.max(...walls), runs: walls },
    peakRssMiB: rsses.length ? Math.max(...rsses) / 1024 : null,
    peakRssRunsMiB: rsses.map((k) => k / 1024),
    outputLines: counts.lines,
    outputBytes: counts.bytes,
    appendRules: counts.appends,
    rulesPerSecond: counts.appends / wall,
    stderrLines: runs[runs.length - 1].stderrLines,
  };
}

// ---- diff of two states that differ in 1 % of endpoints ----------------------------------------

/** A copy of the cluster with every 100th endpoint address moved to a fresh address. */
function churned(list) {
  const copy = JSON.parse(JSON.stringify(list));
  let n = 0;
  let changed = 0;
  for (const item of copy.items) {
    if (item.kind !== 'EndpointSlice') continue;
    for (const ep of item.endpoints ?? []) {
      if (n++ % 100 !== 0) continue;
      const [a, b, c, d] = ep.addresses[0].split('.').map(Number);
      // 100.64.0.0/10 is unused by the generator, so moved endpoints never collide.
      ep.addresses = [`100.${64 + (b % 64)}.${c}.${d}`];
      changed++;
    }
  }
  return { list: copy, changed, total: n };
}

/** A save view as a node prints it: in each table, KUBE-SERVICES's service ports in reverse order (tail rules stay last). */
function asNodeWritesIt(text) {
  const lines = text.split('\n');
  const port = (l) => /--comment "?([^ "]*)/.exec(l)?.[1] ?? '';
  let at = [];
  const flush = () => {
    const groups = [];
    for (const k of at) {
      if (groups.length && port(lines[groups[groups.length - 1][0]]) === port(lines[k])) groups[groups.length - 1].push(k);
      else groups.push([k]);
    }
    const order = groups.reverse().flat().map((k) => lines[k]);
    at.forEach((k, i) => { lines[k] = order[i]; });
    at = [];
  };
  for (let k = 0; k < lines.length; k++) {
    if (lines[k].startsWith('*')) flush();
    else if (lines[k].startsWith('-A KUBE-SERVICES ') && !lines[k].includes('kubernetes service nodeports;')) at.push(k);
  }
  flush();
  return lines.join('\n');
}

/** Times `kproxy-compile ARGS` RUNS times, stdout to `out` (or a pipe), expecting exit `status`. */
async function timeRuns(rss, scratch, args, status, what, out) {
  const walls = [];
  let rssKiB = null;
  for (let i = 0; i < RUNS; i++) {
    await tick();
    if (remainingMs() <= 0) throw new Error('overall deadline reached');
    const rssFile = join(scratch, 'rss-diff.txt');
    rmSync(rssFile, { force: true });
    const fd = out ? openSync(out, 'w') : 'pipe';
    const opts = { encoding: 'utf8', timeout: bounded(COMPILE_TIMEOUT_MS), stdio: ['ignore', fd, 'pipe'] };
    const res = rss.mode === 'time' ? timed(rss.path, ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...args], opts) : timed(process.execPath, [CLI, ...args], opts);
    if (out) closeSync(fd);
    if (res.r.status !== status) throw new Error(failure(`${what} (expected exit ${status})`, res.r));
    walls.push(res.wall);
    if (existsSync(rssFile)) rssKiB = Math.max(rssKiB ?? 0, Number.parseInt(readFileSync(rssFile, 'utf8').trim().split('\n').pop(), 10));
  }
  return { wallS: { median: median(walls), min: Math.min(...walls), max: Math.max(...walls) }, peakRssMiB: rssKiB === null ? null : rssKiB / 1024 };
}

async function benchDiff(rss, input, list, scratch, label, fullBytes, saveOut) {
  const { list: next, changed, total } = churned(list);
  const input2 = join(scratch, `cluster-${label}-churned.json`);
  writeFileSync(input2, JSON.stringify(next));
  const result = { endpointsChanged: changed, endpoints: total };
  for (const output of ['json', 'restore-delta']) {
    const out = join(scratch, `diff-${label}.${output}`);
    result[output] = await timeRuns(rss, scratch, ['diff', input, input2, ...NODE_FLAGS, '--output', output], 1, `kproxy-compile diff --output ${output}`, out);
    result[output].outputBytes = statSync(out).size;
    rmSync(out, { force: true });
  }
  if (fullBytes) result.deltaToFull = result['restore-delta'].outputBytes / fullBytes;
  if (saveOut && existsSync(saveOut)) {
    // The node check: the manifests against the node's iptables-save dump, expecting no differences.
    // The dump is the compiled save view with each table's KUBE-SERVICES service ports in another
    // order, as kube-proxy's map order writes them on a node that agrees.
    const dump = join(scratch, `node-${label}.txt`);
    writeFileSync(dump, asNodeWritesIt(readFileSync(saveOut, 'utf8')));
    result.nodeCheck = await timeRuns(rss, scratch, ['diff', input, dump, ...NODE_FLAGS], 0, 'kproxy-compile diff MANIFESTS SAVE-DUMP', null);
    // Two dumps of one node, before and after the churn (both as the node writes them).
    const after = join(scratch, `node-${label}-churned.txt`);
    const compiled = spawnSync(process.execPath, [CLI, input2, ...NODE_FLAGS, '--format', 'save', '-o', after], { encoding: 'utf8', timeout: bounded(COMPILE_TIMEOUT_MS) });
    if (compiled.status !== 0) throw new Error(failure('kproxy-compile --format save (churned state)', compiled));
    writeFileSync(after, asNodeWritesIt(readFileSync(after, 'utf8')));
    result.dumps = await timeRuns(rss, scratch, ['diff', dump, after, '--output', 'json'], 1, 'kproxy-compile diff SAVE-DUMP SAVE-DUMP', join(scratch, `diff-${label}.dumps`));
    rmSync(join(scratch, `diff-${label}.dumps`), { force: true });
    rmSync(after, { force: true });
    rmSync(dump, { force: true });
  }
  rmSync(input2, { force: true });
  return result;
}

// ---- where the time goes ------------------------------------------------------------------------

const PHASES = join(ROOT, 'bench', 'phases.mjs');
/** The command line's options as its parser names them, for bench/phases.mjs (the same node as NODE_FLAGS). */
const PHASE_OPTIONS = JSON.stringify({ hostnameOverride: 'node-0', nodeIp: ['192.168.0.10'], clusterCidr: '10.0.0.0/8' });

/** Runs bench/phases.mjs RUNS times; the median of each phase. */
async function timePhases(args) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    await tick();
    if (remainingMs() <= 0) throw new Error('overall deadline reached');
    const r = spawnSync(process.execPath, [PHASES, ...args], { encoding: 'utf8', timeout: bounded(COMPILE_TIMEOUT_MS) });
    if (r.status !== 0) throw new Error(failure(`bench/phases.mjs ${args[0]}`, r));
    runs.push(JSON.parse(r.stdout));
  }
  return { phases: runs[0].phases.map(([name], k) => [name, median(runs.map((x) => x.phases[k][1]))]), totalS: median(runs.map((x) => x.totalS)) };
}

/** Compile and diff, stage by stage in one process each (the diff on the same 1 % churn as benchDiff). */
async function benchPhases(input, list, scratch, label) {
  const input2 = join(scratch, `cluster-${label}-phases.json`);
  writeFileSync(input2, JSON.stringify(churned(list).list));
  try {
    return { compile: await timePhases(['compile', input, PHASE_OPTIONS]), diff: await timePhases(['diff', input, input2, PHASE_OPTIONS]) };
  } finally {
    rmSync(input2, { force: true });
  }
}

// ---- iptables-restore --test in a throwaway namespace -----------------------------------------

function netnsProbe() {
  if (process.env.KPC_BENCH_NETNS === '0') return { ok: false, why: 'disabled by KPC_BENCH_NETNS=0' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { ok: false, why: 'not running as root (network namespaces need it)' };
  const ip = which('ip');
  if (!ip) return { ok: false, why: '`ip` (iproute2) is not installed' };
  const restore = which('iptables-restore');
  if (!restore) return { ok: false, why: '`iptables-restore` is not installed' };
  const nfacct = which('nfacct');
  const v = spawnSync(restore, ['--version'], { encoding: 'utf8', timeout: SMALL_TIMEOUT_MS });
  return { ok: true, ip, restore, nfacct, version: (v.stdout || v.stderr || '').trim() };
}

class Netns {
  constructor(ip) {
    this.ip = ip;
    this.name = `kpc-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.created = false;
  }
  create() {
    const r = spawnSync(this.ip, ['netns', 'add', this.name], { encoding: 'utf8', timeout: SMALL_TIMEOUT_MS });
    if (r.status !== 0) throw new Error(failure(`ip netns add ${this.name}`, r));
    this.created = true;
  }
  exec(args, opts = {}) {
    return timed(this.ip, ['netns', 'exec', this.name, ...args], { encoding: 'utf8', timeout: SMALL_TIMEOUT_MS, ...opts });
  }
  destroy() {
    if (!this.created) return;
    const r = spawnSync(this.ip, ['netns', 'delete', this.name], { encoding: 'utf8', timeout: SMALL_TIMEOUT_MS });
    if (r.status === 0) this.created = false;
    else process.stderr.write(`warning: could not delete network namespace ${this.name}: ${failure('ip netns delete', r)}\n`);
  }
}

async function benchRestore(ns, probe, file) {
  const walls = [];
  for (let i = 0; i < RUNS; i++) {
    await tick();
    if (remainingMs() <= 0) throw new Error('overall deadline reached');
    const fd = openSync(file, 'r');
    try {
      const { r, wall } = ns.exec([probe.restore, '--test'], { stdio: [fd, 'pipe', 'pipe'], timeout: bounded(RESTORE_TIMEOUT_MS) });
      if (r.status !== 0 || r.error) throw new Error(failure('iptables-restore --test', r));
      walls.push(wall);
    } finally {
      closeSync(fd);
    }
  }
  return { median: median(walls), min: Math.min(...walls), max: Math.max(...walls), runs: walls };
}

// ---- output -----------------------------------------------------------------------------------

const fmtS = (s) => (s === null || s === undefined ? '-' : s < 10 ? s.toFixed(3) : s.toFixed(2));
const fmtInt = (n) => (n === null || n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const fmtMiB = (b) => (b / (1024 * 1024)).toFixed(1);

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---- main -------------------------------------------------------------------------------------

let scratch = null;
let ns = null;
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  try { ns?.destroy(); } catch (e) { process.stderr.write(`warning: ${e.message}\n`); }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`bench interrupted by ${sig}; cleaning up\n`);
    cleanup();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}

async function run() {
  if (!existsSync(DIST_BIN)) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const sizes = parseSizes(process.env.KPC_BENCH_SIZES);
  scratch = mkdtempSync(join(tmpdir(), 'kpc-bench-'));
  const rss = rssMode();
  const probe = netnsProbe();

  const results = {
    date: new Date().toISOString(),
    machine: {
      node: process.version, platform: `${platform()} ${release()}`, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length,
      memoryMiB: Math.round(totalmem() / 1024 / 1024),
    },
    method: {
      runs: RUNS,
      wall: 'median of runs, process.hrtime around spawnSync of the CLI child process',
      peakRss: rss.note,
      flags: NODE_FLAGS,
      restoreTest: probe.ok ? `ip netns exec NS iptables-restore --test < restore output (${probe.version})` : null,
    },
    targets: TARGET,
    sizes: [],
    netns: probe.ok ? { available: true, version: probe.version } : { available: false, why: probe.why },
  };

  if (probe.ok) {
    ns = new Netns(probe.ip);
    try {
      ns.create();
      const counters = [];
      if (probe.nfacct) {
        for (const c of NFACCT_COUNTERS) {
          const { r } = ns.exec([probe.nfacct, 'add', c]);
          if (r.status === 0) counters.push(c);
          else results.netns.nfacctWarning = failure(`nfacct add ${c}`, r);
        }
      } else {
        results.netns.nfacctWarning = '`nfacct` is not installed; counters were not created';
      }
      results.netns.counters = counters;
      const base = [];
      for (let i = 0; i < RUNS; i++) base.push(ns.exec(['true']).wall);
      results.netns.execOverheadS = median(base);
    } catch (e) {
      ns.destroy();
      ns = null;
      results.netns = { available: false, why: e.message };
    }
  }

  for (const size of sizes) {
    const entry = { size: size.label, services: size.services, endpointsPerService: size.endpoints };
    results.sizes.push(entry);
    await tick();
    const input = join(scratch, `cluster-${size.label}.json`);
    const t0 = process.hrtime.bigint();
    const { list, stats } = generateCluster({ services: size.services, endpoints: size.endpoints, seed: 1 });
    writeFileSync(input, JSON.stringify(list));
    entry.generated = { ...stats, items: list.items.length, inputBytes: statSync(input).size, generateS: Number(process.hrtime.bigint() - t0) / 1e9 };
    process.stderr.write(`[${fmtS(elapsedS())}s] ${size.label}: generated ${list.items.length} objects (${fmtMiB(entry.generated.inputBytes)} MiB)\n`);

    entry.compile = {};
    for (const format of ['restore', 'save', 'ipvs']) {
      const out = join(scratch, `out-${size.label}.${format}`);
      try {
        process.stderr.write(`[${fmtS(elapsedS())}s] ${size.label}: compiling --format ${format} x${RUNS}\n`);
        entry.compile[format] = await benchCompile(rss, input, format, out, scratch);
      } catch (e) {
        entry.compile[format] = { format, error: e.message };
      }
    }

    const restoreOut = join(scratch, `out-${size.label}.restore`);
    if (!ns) {
      entry.restoreTest = { skipped: results.netns.why ?? 'unavailable' };
    } else if (entry.compile.restore?.error || !existsSync(restoreOut)) {
      entry.restoreTest = { skipped: 'the restore compile failed' };
    } else {
      try {
        process.stderr.write(`[${fmtS(elapsedS())}s] ${size.label}: iptables-restore --test x${RUNS}\n`);
        const t = await benchRestore(ns, probe, restoreOut);
        entry.restoreTest = { wallS: t, ratio: entry.compile.restore.wallS.median / t.median };
      } catch (e) {
        entry.restoreTest = { error: e.message };
      }
    }
    try {
      entry.diff = await benchDiff(rss, input, list, scratch, size.label, entry.compile.restore?.outputBytes, join(scratch, `out-${size.label}.save`));
    } catch (e) {
      entry.diff = { error: e.message };
    }
    try {
      process.stderr.write(`[${fmtS(elapsedS())}s] ${size.label}: stage timings x${RUNS}\n`);
      entry.phases = await benchPhases(input, list, scratch, size.label);
    } catch (e) {
      entry.phases = { error: e.message };
    }
    for (const format of ['restore', 'save', 'ipvs']) rmSync(join(scratch, `out-${size.label}.${format}`), { force: true });
    rmSync(input, { force: true });
  }

  // Targets are judged on the 10k x 10 cluster, for each output format.
  const target = results.sizes.find((s) => s.size === TARGET.size);
  results.verdict = target ? verdict(target) : null;
  results.totalS = elapsedS();
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  print(results);
  return results;
}

function verdict(entry) {
  const v = {};
  for (const format of ['restore', 'save']) {
    const c = entry.compile[format];
    if (!c || c.error) continue;
    v[format] = {
      wall: { value: c.wallS.median, target: TARGET.wallS, pass: c.wallS.median <= TARGET.wallS },
      peakRss: { value: c.peakRssMiB, target: TARGET.rssMiB, pass: c.peakRssMiB !== null && c.peakRssMiB <= TARGET.rssMiB },
    };
  }
  if (entry.restoreTest?.ratio !== undefined) v.ratio = { value: entry.restoreTest.ratio, target: TARGET.ratio, pass: entry.restoreTest.ratio <= TARGET.ratio };
  return v;
}

function print(results) {
  const out = [];
  const m = results.machine;
  out.push(`kproxy-compile bench  (node ${m.node}, ${m.cpus} x ${m.cpu}, ${m.platform})`);
  out.push(`wall: ${results.method.wall}; peak RSS: ${results.method.peakRss}`);
  out.push('');
  const rows = [];
  for (const s of results.sizes) {
    for (const format of ['restore', 'save', 'ipvs']) {
      const c = s.compile[format];
      if (!c) continue;
      if (c.error) { rows.push([`${s.size}`, format, 'ERROR', '', '', '', '', '', '']); continue; }
      rows.push([
        s.size, format,
        fmtS(c.wallS.median), `${fmtS(c.wallS.min)}-${fmtS(c.wallS.max)}`,
        c.peakRssMiB === null ? '-' : c.peakRssMiB.toFixed(1),
        fmtInt(c.outputLines), fmtMiB(c.outputBytes), fmtInt(c.appendRules), fmtInt(c.rulesPerSecond),
      ]);
    }
  }
  out.push(table(['cluster', 'format', 'wall s', 'range s', 'RSS MiB', 'lines', 'out MiB', '-A rules', 'rules/s'], rows));
  for (const s of results.sizes) for (const c of Object.values(s.compile)) if (c.error) out.push(`  ${s.size} ${c.format}: ${c.error}`);
  out.push('');

  const drows = results.sizes.filter((s) => s.diff).map((s) => {
    const d = s.diff;
    if (d.error) return [s.size, 'ERROR', d.error, '', '', '', '', '', '', ''];
    return [s.size, `${fmtInt(d.endpointsChanged)} of ${fmtInt(d.endpoints)}`, fmtS(d.json.wallS.median), fmtS(d['restore-delta'].wallS.median), d['restore-delta'].peakRssMiB?.toFixed(1) ?? '-', d.deltaToFull === undefined ? '-' : `${(d.deltaToFull * 100).toFixed(1)}%`, d.nodeCheck ? fmtS(d.nodeCheck.wallS.median) : '-', d.nodeCheck?.peakRssMiB?.toFixed(1) ?? '-', d.dumps ? fmtS(d.dumps.wallS.median) : '-', d.dumps?.peakRssMiB?.toFixed(1) ?? '-'];
  });
  if (drows.length) {
    out.push('diff of two states differing in 1% of endpoints (target for 10000x10: <= 1 s), the node check (manifests vs a save dump in a node\'s service order), and two such dumps (before vs after):');
    out.push(table(['cluster', 'endpoints moved', 'diff json s', 'restore-delta s', 'RSS MiB', 'delta/full payload', 'vs dump s', 'vs dump RSS', 'dumps s', 'dumps RSS'], drows));
    out.push('');
  }

  for (const s of results.sizes) {
    const p = s.phases;
    if (!p) continue;
    if (p.error) { out.push(`stage timings for ${s.size}: ${p.error}`, ''); continue; }
    out.push(`where the time goes in ${s.size} (stages timed in one process, median of ${RUNS}; garbage collection runs inside each):`);
    for (const [what, t] of [['compile (restore)', p.compile], ['diff 1% churn (json)', p.diff]]) {
      out.push(table(['stage', `${what} s`, 'share'], [...t.phases.map(([name, sec]) => [name, fmtS(sec), `${((sec / t.totalS) * 100).toFixed(0)}%`]), ['total', fmtS(t.totalS), '']]));
    }
    out.push('');
  }

  if (!results.netns.available) {
    out.push(`iptables-restore --test comparison skipped: ${results.netns.why}`);
  } else {
    out.push(`iptables-restore --test inside a throwaway network namespace (${results.netns.version}; nfacct counters: ${results.netns.counters.join(', ') || 'none'}; ip netns exec overhead ${fmtS(results.netns.execOverheadS)} s)`);
    if (results.netns.nfacctWarning) out.push(`  note: ${results.netns.nfacctWarning}`);
    const rrows = results.sizes.map((s) => {
      const t = s.restoreTest;
      if (t?.wallS) return [s.size, fmtS(s.compile.restore.wallS.median), fmtS(t.wallS.median), `${fmtS(t.wallS.min)}-${fmtS(t.wallS.max)}`, `${(t.ratio * 100).toFixed(1)}%`];
      return [s.size, fmtS(s.compile.restore?.wallS?.median), '-', '-', t?.error ?? t?.skipped ?? '-'];
    });
    out.push(table(['cluster', 'compile s', 'restore --test s', 'range s', 'compile/restore'], rrows));
  }
  out.push('');

  const v = results.verdict;
  if (!v) {
    out.push(`targets apply to ${TARGET.size}, which was not run`);
  } else {
    const mark = (ok) => (ok ? 'ok  ' : 'MISS');
    out.push(`targets for ${TARGET.size}:`);
    for (const format of ['restore', 'save']) {
      if (!v[format]) continue;
      out.push(`  ${mark(v[format].wall.pass)} ${format.padEnd(7)} wall      ${fmtS(v[format].wall.value)} s   (target <= ${TARGET.wallS} s)`);
      out.push(`  ${mark(v[format].peakRss.pass)} ${format.padEnd(7)} peak RSS  ${v[format].peakRss.value?.toFixed(1) ?? '-'} MiB   (target <= ${TARGET.rssMiB} MiB)`);
    }
    if (v.ratio) out.push(`  ${mark(v.ratio.pass)} compile / iptables-restore --test  ${(v.ratio.value * 100).toFixed(1)}%   (target <= ${TARGET.ratio * 100}%)`);
    else out.push('  n/a  compile / iptables-restore --test  (not measured)');
  }
  out.push('');
  out.push(`results written to ${RESULTS} (total ${fmtS(results.totalS)} s)`);
  process.stdout.write(`${out.join('\n')}\n`);
}

try {
  await run();
} catch (e) {
  process.stderr.write(`bench failed: ${e.message}\n`);
  process.exitCode = 1;
} finally {
  cleanup();
}
