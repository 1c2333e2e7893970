import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES_DIR = join(import.meta.dirname, '..', '..', 'fixtures');

export interface Fixture {
  readonly name: string;
  readonly dir: string;
  /** Extra CLI arguments from the fixture's `args` file. */
  readonly args: readonly string[];
  readonly family: 'ipv4' | 'ipv6';
}

/** Every fixture directory (a directory holding manifests), sorted by name. */
export function listFixtures(): Fixture[] {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    // fixtures/sequences/ holds ordered cluster states for diff and churn, not single fixtures.
    .filter((e) => e.isDirectory() && e.name !== 'sequences')
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const dir = join(FIXTURES_DIR, name);
      const argsFile = join(dir, 'args');
      const args = existsSync(argsFile) ? readFileSync(argsFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : [];
      const fi = args.indexOf('--family');
      const family = (fi >= 0 ? args[fi + 1] : args.find((a) => a.startsWith('--family='))?.slice(9)) === 'ipv6' ? 'ipv6' : 'ipv4';
      return { name, dir, args, family };
    });
}
