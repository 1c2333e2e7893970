import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli.js';

/*
 * Names read from input are looked up in tables of known names (iptables tables, ipvsadm protocol
 * flags, feature gates). A name every JavaScript object inherits — constructor, toString,
 * __proto__, hasOwnProperty — is an unknown name like any other: an input error, or an ignored gate.
 */

const dir = mkdtempSync(join(tmpdir(), 'kpc-inherited-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const INHERITED = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

describe('names that every object inherits are unknown names', () => {
  it.each(INHERITED)('a dump with table *%s: one KPC050 at its line, exit 2', async (name) => {
    const dump = file(`t-${name}.txt`, `*${name}\n-A X -j ACCEPT\nCOMMIT\n`);
    const r = await runCli(['diff', dump, dump, '--old-format', 'rules', '--new-format', 'rules']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${dump}:1: error KPC050: table name "${name}" is not one iptables has (filter, nat, mangle, raw, security)\n`);
  });

  it.each(INHERITED)('an ipvsadm line with the protocol flag %s: one KPC052, exit 2', async (name) => {
    const dump = file(`v-${name}.txt`, `-A ${name} 10.0.0.1:80 -s rr\n`);
    const r = await runCli(['diff', '--backend', 'ipvs', dump, dump, '--old-format', 'rules', '--new-format', 'rules']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${dump}:1: error KPC052: not an ipvsadm -Sn line: "-A ${name} 10.0.0.1:80 -s rr"\n`);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty'])('--feature-gates %s=true is an unknown gate', async (name) => {
    const r = await runCli(['compile', 'fixtures/clusterip-basic', '--feature-gates', `${name}=true`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^<flags>: error KPC040: --feature-gates: unknown feature gate ${name} \\(known: `));
  });

  it('a configuration\'s featureGates constructor / toString are ignored gates, each with KPC042', async () => {
    const config = file('config.yaml', 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nhostnameOverride: node-a\nfeatureGates:\n  constructor: true\n  toString: false\n');
    const r = await runCli(['compile', 'fixtures/clusterip-basic', '--config', config, '--format', 'restore']);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('KPC042'))).toEqual([
      `${config}:5: warning KPC042: KubeProxyConfiguration: featureGates.constructor: is not a gate the compiled rules depend on (LoadBalancerIPMode, PreferSameTrafficDistribution) and is ignored`,
      `${config}:6: warning KPC042: KubeProxyConfiguration: featureGates.toString: is not a gate the compiled rules depend on (LoadBalancerIPMode, PreferSameTrafficDistribution) and is ignored`,
    ]);
  });
});
