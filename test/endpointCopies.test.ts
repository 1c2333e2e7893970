import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli.js';

/*
 * One ip:port twice in one EndpointSlice, neither copy terminating: kube-proxy's slice cache reads
 * a slice's endpoints in order and a later copy replaces an earlier one, so the last copy decides
 * the endpoint's conditions.
 */

const service = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  clusterIP: 10.96.0.10\n  ports: [{name: http, port: 80}]\n';
const copy = (ip: string, ready: boolean) => `- addresses: [${ip}]\n  conditions: {ready: ${ready}, serving: ${ready}, terminating: false}\n`;
const slice = (...endpoints: string[]) =>
  `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-a, namespace: shop, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints:\n${endpoints.join('')}`;

async function compile(...docs: string[]): Promise<string> {
  const run = await runCli(['-', '--hostname-override', 'node-a', '--format', 'restore'], { stdin: docs.join('---\n') });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
}

describe('an endpoint given twice in one slice, neither copy terminating', () => {
  it('takes the conditions of the later copy', async () => {
    // Ready first, not ready last: 10.0.0.1 is not used.
    const notReady = await compile(service, slice(copy('10.0.0.1', true), copy('10.0.0.2', true), copy('10.0.0.1', false)));
    expect(notReady).toContain('--to-destination 10.0.0.2:8080');
    expect(notReady).not.toContain('10.0.0.1:8080');
    // The other way round: it is.
    const ready = await compile(service, slice(copy('10.0.0.1', false), copy('10.0.0.2', true), copy('10.0.0.1', true)));
    expect(ready).toContain('--to-destination 10.0.0.1:8080');
    expect(ready).toContain('--to-destination 10.0.0.2:8080');
  });
});
