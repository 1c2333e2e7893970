import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from './helpers/fixtures.js';
import { runCli } from './helpers/runCli.js';

const TIMELINES = join(FIXTURES_DIR, 'sequences');

interface Step {
  step: number;
  name: string;
  endpoints: { service: string; added: string[]; removed: string[] }[];
  rules: { added: number; removed: number; changed: number };
  chains: { added: number; removed: number };
  deltaBytes: number;
  fullBytes: number;
}

async function churnJson(args: string[]): Promise<Step[]> {
  const run = await runCli(['churn', ...args, '--output', 'json']);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { steps: Step[] }).steps;
}

describe('kproxy-compile churn', () => {
  it('--timeline rolling-update.yaml: each pod replaced by a ready one, then the old one removed', async () => {
    const steps = await churnJson(['--timeline', join(TIMELINES, 'rolling-update.yaml')]);
    expect(steps).toHaveLength(6);
    expect(steps[0].endpoints).toEqual([{ service: 'shop/frontend:http', added: ['10.244.1.31:8080'], removed: ['10.244.1.30:8080'] }]);
    // While ready pods exist, a terminating pod gets no traffic: its SEP chain is gone at once.
    expect(steps[0].chains).toEqual({ added: 1, removed: 1 });
    // Removing the already-unused terminating endpoint changes no rule, but kube-proxy still rewrites the service's chains.
    expect(steps[1].rules).toEqual({ added: 0, removed: 0, changed: 0 });
    expect(steps[1].deltaBytes).toBeGreaterThan(0);
    for (const s of steps) expect(s.deltaBytes).toBeLessThan(s.fullBytes);
  });

  it('--timeline scale-down.yaml: scale up, readiness loss, scale down, delete', async () => {
    const steps = await churnJson(['--timeline', join(TIMELINES, 'scale-down.yaml')]);
    expect(steps.map((s) => s.name)).toEqual([
      'scale shop/frontend up to 5',
      'a pod stops passing its readiness probe',
      'scale shop/frontend to 2',
      'scale shop/frontend to 0',
      'delete shop/frontend',
    ]);
    expect(steps[0].endpoints[0].added.sort()).toEqual(['10.244.3.31:8080', '10.244.3.32:8080']);
    expect(steps[1].endpoints).toEqual([{ service: 'shop/frontend:http', added: [], removed: ['10.244.2.30:8080'] }]);
    // With no endpoints left the Service's traffic is rejected in filter instead.
    expect(steps[3].rules.added).toBe(2);
  });

  it('a rollout of a Service with no endpoints is a step that changes nothing, not a step left out', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kpc-rollout-'));
    try {
      const file = join(tmp, 'empty-rollout.yaml');
      writeFileSync(file, `apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ${join(FIXTURES_DIR, 'demo')}\nsteps:\n  - scale: {service: shop/frontend, replicas: 0}\n  - rollout: {service: shop/frontend}\n  - scale: {service: shop/frontend, replicas: 1}\n`);
      const steps = await churnJson(['--timeline', file]);
      expect(steps.map((s) => s.name)).toEqual(['scale shop/frontend to 0', 'roll out shop/frontend: no endpoints to replace', 'scale shop/frontend to 1']);
      expect(steps[1].endpoints).toEqual([]);
      expect(steps[1].rules).toEqual({ added: 0, removed: 0, changed: 0 });
      expect(steps[1].chains).toEqual({ added: 0, removed: 0 });
      expect(steps[2].endpoints).toHaveLength(1);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('--timeline - reads the timeline from standard input, its start relative to the working directory', async () => {
    const text = (await import('node:fs')).readFileSync(join(TIMELINES, 'rolling-update.yaml'), 'utf8');
    const fromFile = await churnJson(['--timeline', join(TIMELINES, 'rolling-update.yaml')]);
    const run = await runCli(['churn', '--timeline', '-', '--output', 'json'], { stdin: text, cwd: TIMELINES });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { steps: Step[] }).steps).toEqual(fromFile);
  });

  it('a state read from standard input is named <stdin> in the report, as in diagnostics', async () => {
    const seq = join(FIXTURES_DIR, 'sequences', 'sync-repeated');
    const fs = await import('node:fs');
    const args = fs.readFileSync(join(seq, 'args'), 'utf8').split('\n').filter(Boolean);
    const manifests = (step: string) => fs.readdirSync(join(seq, step)).filter((f) => f.endsWith('.yaml')).map((f) => fs.readFileSync(join(seq, step, f), 'utf8')).join('\n---\n');
    const run = await runCli(['churn', '-', join(seq, 'step-01'), ...args], { stdin: manifests('step-00') });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^start: <stdin> \(\d+ payload lines\)$/);
    const json = await runCli(['churn', join(seq, 'step-00'), '-', ...args, '--output', 'json'], { stdin: manifests('step-01') });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { steps: Step[] }).steps.map((s) => s.name)).toEqual(['<stdin>']);
  });

  it('STATE... (paths in order) reports the same figures as the diff of each pair', async () => {
    const seq = join(FIXTURES_DIR, 'sequences', 'sync-repeated');
    const args = (await import('node:fs')).readFileSync(join(seq, 'args'), 'utf8').split('\n').filter(Boolean);
    const steps = await churnJson([join(seq, 'step-00'), join(seq, 'step-01'), ...args]);
    const diff = await runCli(['diff', join(seq, 'step-00'), join(seq, 'step-01'), ...args, '--output', 'json']);
    const summary = JSON.parse(diff.stdout).summary;
    expect(steps[0].rules.added + steps[0].rules.changed).toBe(summary.rulesAdded);
    expect(steps[0].rules.removed + steps[0].rules.changed).toBe(summary.rulesRemoved);
    const delta = await runCli(['diff', join(seq, 'step-00'), join(seq, 'step-01'), ...args, '--output', 'restore-delta']);
    expect(steps[0].deltaBytes).toBe(Buffer.byteLength(delta.stdout));
  });

  it.each([
    [['one-path'], /give at least two states/],
    [['--timeline', 'x.yaml', 'a', 'b'], /either state paths or --timeline/],
  ])('kproxy-compile churn %j (usage error)', async (args, message) => {
    const run = await runCli(['churn', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('kproxy-compile churn --timeline: a step that names what its state does not have', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kpc-timeline-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const timeline = (steps: string) => {
    const file = join(tmp, `t${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, `apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ${join(FIXTURES_DIR, 'demo')}\nsteps:\n${steps}`);
    return file;
  };

  it.each([
    ['a rollout of a Service not in the state', '  - rollout:\n      service: shop/nope\n', 6, 'steps[0].rollout.service: no Service shop/nope in the state this step starts from'],
    ['a Service deleted twice', '  - deleteService: shop/frontend\n  - deleteService: shop/frontend\n', 6, 'steps[1].deleteService: no Service shop/frontend in the state this step starts from'],
    ['scaling a Service not in the state', '  - scale:\n      service: shop/nope\n      replicas: 2\n', 6, 'steps[0].scale.service: no Service shop/nope'],
    ['notReady for an address that is no endpoint', '  - notReady:\n      service: shop/frontend\n      addresses:\n      - 10.244.1.30\n      - 192.0.2.99\n', 9, 'steps[0].notReady.addresses[1]: 192.0.2.99 is not an endpoint of shop/frontend'],
    ['notReady without addresses (a misspelt key)', '  - notReady: {service: shop/frontend, address: 10.244.1.30}\n', 5, 'steps[0].notReady.addresses: must list the endpoint addresses to change'],
    ['a misspelt key of an event', '  - scale:\n      service: shop/frontend\n      replica: 3\n', 7, 'steps[0].scale.replica: unknown field: scale has service, replicas'],
    ['a rollout that would take the timeline past 2000 states (1 + 2 per endpoint)', '  - scale: {service: shop/frontend, replicas: 1000}\n  - rollout: {service: shop/frontend}\n', 6, 'steps[1]: the timeline comes to 2001 states by this step; at most 2000 are replayed in one run (split it into several timelines)'],
    ['a misspelt key of a step', '  - nmae: later\n    rollout: {service: shop/frontend}\n', 5, 'steps[0].nmae: unknown field: a step has name, scale, rollout, notReady, ready, deleteService'],
  ])('%s: exit 2, nothing on stdout, the step\'s field named', async (_, steps, line, message) => {
    const file = timeline(steps);
    const run = await runCli(['churn', '--timeline', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${file}:${line}: error `);
    expect(run.stderr).toContain(`Timeline: ${message}`);
  });

  it('the same steps naming what the state has run', async () => {
    const run = await runCli(['churn', '--timeline', timeline('  - notReady:\n      service: shop/frontend\n      addresses: [10.244.1.30]\n  - deleteService: shop/frontend\n'), '--output', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).steps).toHaveLength(2);
  });
});

describe('kproxy-compile churn --timeline: one message per mistake', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kpc-timeline-one-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = join(tmp, name);
    writeFileSync(file, text);
    return file;
  };

  it('a step whose only event is misspelt: the unknown field alone, at its line', async () => {
    const file = write('misspelt.yaml', `apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ${join(FIXTURES_DIR, 'demo')}\nsteps:\n  - name: x\n    rolout: {service: shop/frontend}\n`);
    const run = await runCli(['churn', '--timeline', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`${file}:6: error KPC060: Timeline: steps[0].rolout: unknown field: a step has name, scale, rollout, notReady, ready, deleteService`]);
  });

  it('a step with no event at all still says what a step must hold', async () => {
    const file = write('empty-step.yaml', `apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ${join(FIXTURES_DIR, 'demo')}\nsteps:\n  - name: x\n`);
    const run = await runCli(['churn', '--timeline', file]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([`${file}:5: error KPC060: Timeline: steps[0]: must hold exactly one of scale, rollout, notReady, ready, deleteService`]);
  });

  it.each([
    ['another apiVersion', 'apiVersion: kproxy-compile/v2\nkind: Timeline\nstart: x\n', 1, 'apiVersion: must be kproxy-compile/v1, found "kproxy-compile/v2"'],
    ['no apiVersion', 'kind: Timeline\nstart: x\n', 1, 'apiVersion: is required: kproxy-compile/v1'],
    ['an empty start (it would read the timeline\'s own directory)', 'apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ""\n', 3, 'start: must name the starting manifests (a file or directory), found an empty string'],
  ])('%s: one message at its line', async (name, head, line, message) => {
    const file = write(`head-${line}-${head.length}.yaml`, `${head}steps:\n  - deleteService: shop/frontend\n`);
    const run = await runCli(['churn', '--timeline', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`${file}:${line}: error KPC060: Timeline: ${message}`]);
  });

  it.each([
    ['a notReady whose addresses is a string', `apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ${join(FIXTURES_DIR, 'demo')}\nsteps:\n  - notReady: {service: shop/frontend, addresses: "10.244.2.30"}\n`, 5, 'steps[0].notReady.addresses: must be a list, found the string "10.244.2.30"'],
    ['a rollout that is a number', `apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ${join(FIXTURES_DIR, 'demo')}\nsteps:\n  - rollout: 7\n`, 5, 'steps[0].rollout: must be a mapping, found number 7'],
    ['a step that is a bare word', `apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ${join(FIXTURES_DIR, 'demo')}\nsteps:\n  - scale\n`, 5, 'steps[0]: must be a mapping, found the string "scale"'],
    ['steps as a mapping', `apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: ${join(FIXTURES_DIR, 'demo')}\nsteps: {}\n`, 4, 'steps: must be a list, found a mapping'],
  ])('%s: one message at its line, not a second one about what is then missing', async (name, text, line, message) => {
    const file = write(`whole-${line}-${text.length}.yaml`, text);
    const run = await runCli(['churn', '--timeline', file]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([`${file}:${line}: error KPC010: Timeline: ${message}`]);
  });

  it('a start that does not exist: named at the timeline\'s start line, relative path resolved beside it, no settings warning', async () => {
    const file = write('nostart.yaml', 'apiVersion: kproxy-compile/v1\nkind: Timeline\nstart: no-such-state\nsteps:\n  - deleteService: shop/frontend\n');
    const run = await runCli(['churn', '--timeline', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`${file}:3: error KPC001: Timeline: start: cannot read no-such-state (${join(tmp, 'no-such-state')}): no such file or directory`]);
  });
});
