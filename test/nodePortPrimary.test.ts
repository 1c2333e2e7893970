import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli.js';

// `--nodeport-addresses primary` (nodePortAddresses: [primary]): kube-proxy replaces it with its
// node IP of each family as a /32 or /128, leaving out a loopback one; a family left with no
// address matches node ports on every local address (addrtype LOCAL), as an empty list does.

const LAST_RULE = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
const nodePortsJumps = (out: string) => out.split('\n').filter((l) => l.includes('kubernetes service nodeports;'));

describe('--nodeport-addresses primary', () => {
  it('takes the node IP: node ports are reached on it alone', async () => {
    const run = await runCli(['fixtures/nodeport', '--hostname-override', 'node-a', '--node-ip', '10.0.0.11', '--nodeport-addresses', 'primary']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(nodePortsJumps(run.stdout)).toEqual([`-A KUBE-SERVICES -d 10.0.0.11/32 ${LAST_RULE} -j KUBE-NODEPORTS`]);
  });

  it('takes the IPv6 node IP for ip6tables, the IPv4 one staying out', async () => {
    const run = await runCli(['fixtures/ipv6', '--family', 'ipv6', '--hostname-override', 'node-a', '--node-ip', '10.0.0.11', '--node-ip', 'fd00:10::11', '--nodeport-addresses', 'primary']);
    expect(run.code).toBe(0);
    expect(nodePortsJumps(run.stdout)).toEqual([`-A KUBE-SERVICES -d fd00:10::11/128 ${LAST_RULE} -j KUBE-NODEPORTS`]);
  });

  it('takes the address of a Node object in the input when no flag gives one', async () => {
    const node = 'apiVersion: v1\nkind: Node\nmetadata:\n  name: node-a\nstatus:\n  addresses:\n  - {type: Hostname, address: node-a}\n  - {type: InternalIP, address: 10.0.0.42}\n';
    const run = await runCli(['fixtures/nodeport', '-', '--hostname-override', 'node-a', '--nodeport-addresses', 'primary'], { stdin: node });
    expect(run.code).toBe(0);
    expect(nodePortsJumps(run.stdout)).toEqual([`-A KUBE-SERVICES -d 10.0.0.42/32 ${LAST_RULE} -j KUBE-NODEPORTS`]);
  });

  for (const [name, flags, why] of [
    ['a loopback node IP is left out', ['--node-ip', '127.0.0.1'], 'the IPv4 node IP 127.0.0.1 is a loopback address, which kube-proxy leaves out'],
    ['no node IP at all', [], 'there is no IPv4 node IP (--node-ip, or a Node object\'s addresses)'],
  ] as const) {
    it(`${name}: node ports match every local address, with a warning`, async () => {
      const run = await runCli(['fixtures/nodeport', '--hostname-override', 'node-a', ...flags, '--nodeport-addresses', 'primary']);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(`<settings>: warning KPC032: --nodeport-addresses primary: ${why}; node ports then match every local address\n`);
      expect(nodePortsJumps(run.stdout)).toEqual([`-A KUBE-SERVICES ${LAST_RULE} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`]);
    });
  }
});
