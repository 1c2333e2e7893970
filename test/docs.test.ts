import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES } from '../src/diagnostics/codes.js';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('docs and structure', () => {
  it('docs/diagnostics.md lists exactly the codes in src/diagnostics/codes.ts', () => {
    const doc = readFileSync(join(root, 'docs', 'diagnostics.md'), 'utf8');
    const listed = [...doc.matchAll(/^\| (KPC\d+) \| (\w+) \| (.+) \|$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    const actual = Object.entries(CODES).map(([c, v]) => `${c} ${v.severity} ${v.summary}`);
    expect(listed).toEqual(actual);
  });

  // Stages may only import stages below them; the CLI is the only edge that sees everything.
  const LAYERS: Record<string, readonly string[]> = {
    util: [],
    diagnostics: [],
    ir: [],
    input: ['util', 'diagnostics'],
    k8s: ['util', 'diagnostics', 'input'],
    settings: ['util', 'diagnostics', 'input', 'k8s'],
    model: ['util', 'diagnostics', 'k8s', 'settings'],
    backends: ['util', 'diagnostics', 'ir', 'model', 'settings'],
    diff: ['util', 'diagnostics', 'ir', 'backends', 'model'],
    churn: ['util', 'diagnostics', 'ir', 'input', 'k8s', 'model', 'backends', 'diff'],
    trace: ['util', 'ir'],
    cli: ['util', 'diagnostics', 'ir', 'input', 'k8s', 'settings', 'model', 'backends', 'diff', 'churn', 'trace'],
  };
  it('imports point one way: cli -> stages -> ir -> util', () => {
    const src = join(root, 'src');
    const violations: string[] = [];
    for (const file of sources(src)) {
      const from = relative(src, file).split('/')[0];
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = relative(src, join(file, '..', m[1])).split('/')[0];
        if (target !== from && !(LAYERS[from] ?? []).includes(target)) violations.push(`${relative(root, file)} imports ${m[1]}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('no module imports itself through others (type-only imports aside)', () => {
    const src = join(root, 'src');
    const deps = new Map<string, string[]>();
    for (const file of sources(src)) {
      const values = [...readFileSync(file, 'utf8').matchAll(/^import\s+(type\s+)?[^;]*?from '(\.[^']+)'/gms)].filter((m) => !m[1]);
      deps.set(file, values.map((m) => join(file, '..', m[2].replace(/\.js$/, '.ts'))));
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      path.push(f);
      for (const d of deps.get(f) ?? []) {
        if (state.get(d) === 'open') cycles.push(path.slice(path.indexOf(d)).concat(d).map((p) => relative(src, p)).join(' -> '));
        else if (!state.has(d)) visit(d);
      }
      path.pop();
      state.set(f, 'done');
    };
    for (const f of deps.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('chalk is used only by the CLI', () => {
    const offenders = sources(join(root, 'src')).filter((f) => !f.includes('/cli/') && readFileSync(f, 'utf8').includes("from 'chalk'"));
    expect(offenders).toEqual([]);
  });
});
