import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFixtures } from './helpers/fixtures.js';
import { runCli } from './helpers/runCli.js';

const UPDATE = process.env.UPDATE_GOLDENS === '1';
/** Golden file name -> the arguments that produce it. */
const GOLDENS: Record<string, readonly string[]> = {
  'restore.txt': ['--format', 'restore'],
  'save.txt': ['--format', 'save'],
  'ipvs.txt': ['--backend', 'ipvs', '--format', 'all'],
};

describe('fixtures (goldens compared byte for byte)', () => {
  for (const f of listFixtures()) {
    describe(f.name, () => {
      const expectedDir = join(f.dir, 'expected');

      it('has at least one expectation and no orphan golden', () => {
        const files = existsSync(expectedDir) ? readdirSync(expectedDir) : [];
        for (const file of files) expect(Object.keys(GOLDENS), `unknown golden ${f.name}/expected/${file}`).toContain(file);
        expect(files.length + ['upstream.txt', 'upstream-ipvs.jsonc'].filter((u) => existsSync(join(f.dir, u))).length, `${f.name} has no expected output`).toBeGreaterThan(0);
      });

      const ipvsOnly = f.backend === 'ipvs';
      for (const [file, extra] of Object.entries(GOLDENS)) {
        const golden = join(expectedDir, file);
        if (!existsSync(golden) && !(UPDATE && (file === 'ipvs.txt' || !ipvsOnly))) continue;
        it(`kproxy-compile fixtures/${f.name} ${extra.join(' ')} (matches expected/${file})`, async () => {
          const run = await runCli([f.dir, ...f.args, ...extra]);
          expect(run.stderr).not.toMatch(/error KPC/);
          expect(run.code).toBe(0);
          if (UPDATE) {
            mkdirSync(expectedDir, { recursive: true });
            writeFileSync(golden, run.stdout);
          }
          expect(run.stdout).toBe(readFileSync(golden, 'utf8'));
        });
      }

      const upstream = join(f.dir, 'upstream.txt');
      if (existsSync(upstream)) {
        it(`kproxy-compile fixtures/${f.name} --format restore (equals kube-proxy's own expected payload)`, async () => {
          const run = await runCli([f.dir, ...f.args, '--format', 'restore']);
          expect(run.code).toBe(0);
          // kube-proxy's test proxier hard-codes the mark as "0x4000"; a real node formats bit 14
          // with Go's %#08x, which the compiler reproduces. That is the only rewrite.
          const expected = readFileSync(upstream, 'utf8').replaceAll('0x4000', '0x00004000');
          expect(run.stdout).toBe(expected);
        });
      }
    });
  }
});
