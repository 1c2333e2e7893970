import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
