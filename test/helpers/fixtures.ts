import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES_DIR = join(import.meta.dirname, '..', '..', 'fixtures');

export interface Fixture {
  /** Path below fixtures/, e.g. `demo` or `ipvs/session-affinity`. */
  readonly name: string;
  readonly dir: string;
  /** Extra CLI arguments from the fixture's `args` file. */
  readonly args: readonly string[];
  readonly family: 'ipv4' | 'ipv6';
  /** The backend the fixture's args select (IPVS cases live under fixtures/ipvs/). */
  readonly backend: 'iptables' | 'ipvs';
}

function fixture(name: string): Fixture {
  const dir = join(FIXTURES_DIR, name);
  const argsFile = join(dir, 'args');
  const args = existsSync(argsFile) ? readFileSync(argsFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : [];
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  return { name, dir, args, family: value('--family') === 'ipv6' ? 'ipv6' : 'ipv4', backend: value('--backend') === 'ipvs' ? 'ipvs' : 'iptables' };
}

const subdirs = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

/**
 * Every fixture directory, sorted by name. fixtures/sequences/ holds ordered states for diff and
 * churn, not fixtures; fixtures/ipvs/ holds one IPVS-mode case per directory.
 */
export function listFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const name of subdirs(FIXTURES_DIR)) {
    if (name === 'sequences') continue;
    if (name === 'ipvs') for (const c of subdirs(join(FIXTURES_DIR, 'ipvs'))) out.push(fixture(`ipvs/${c}`));
    else out.push(fixture(name));
  }
  return out;
}
