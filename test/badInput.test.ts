import { chmodSync, existsSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './helpers/runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'kpc-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const svc = (spec: string, meta = 'name: web\n  namespace: shop') => `apiVersion: v1\nkind: Service\nmetadata:\n  ${meta}\nspec:\n${spec}`;
const GOOD_SPEC = '  clusterIP: 10.96.0.10\n  ports:\n  - name: http\n    port: 80\n';
const slice = (body: string) => `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-abc\n  namespace: shop\n  labels:\n    kubernetes.io/service-name: web\n${body}`;

interface BadCase {
  readonly name: string;
  readonly file: string | Buffer;
  /** Expected stderr line(s): each a regex that one `error` line must match. */
  readonly errors: readonly RegExp[];
  /** File name inside the case directory (default in.yaml). */
  readonly as?: string;
}

const CASES: readonly BadCase[] = [
  { name: 'YAML syntax error', file: 'apiVersion: v1\nkind: Service\nmetadata: {name: [x\n', errors: [/^in\.yaml:\d+: error KPC002: invalid YAML/] },
  { name: 'JSON syntax error', file: '{"apiVersion": "v1",\n "kind": "Service"\n "metadata": {}}', errors: [/^in\.yaml:3: error KPC002: invalid YAML/] },
  { name: 'JSON syntax error in a .json file', as: 'in.json', file: '{"apiVersion": "v1",\n "kind": "Service",\n "metadata": {"name": "x" "namespace": "y"}}', errors: [/^in\.json:3: error KPC002: invalid JSON: /] },
  { name: 'JSON syntax error on standard input (named as JSON, not YAML)', as: '-', file: '{"apiVersion": "v1",\n "kind": "Service",\n "metadata": {"name": "x" "namespace": "y"}}', errors: [/^<stdin>:3: error KPC002: invalid JSON: /] },
  { name: 'a cut-short .json List with a trailing comma: the first place it stops being JSON (JSON.parse names no position for it)', as: 'in.json', file: '{"apiVersion": "v1", "kind": "List", "items": [\n  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "b"}, "spec": {"clusterIP": "10.96.0.9", "ports": [{"port": 80}]}},\n]\n', errors: [/^in\.json:2: error KPC002: invalid JSON: a trailing comma before '\]'$/] },
  { name: 'a bad address in a block list of a list item', file: slice('addressType: IPv4\nendpoints:\n- addresses:\n  - 10.0.0.1\n  - 10.0.0.999\n  conditions:\n    ready: true\nports:\n- name: http\n  port: 8080\n'), errors: [/^in\.yaml:12: error KPC013: EndpointSlice shop\/web-abc: endpoints\[0\]\.addresses\[1\]: must be a valid IP address, found "10\.0\.0\.999"$/] },
  {
    name: 'a bad address in a JSON array, one item per line',
    as: 'in.json',
    file: `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.999'] }], ports: [{ name: 'http', port: 8080 }] }] }, null, 2)}\n`,
    // Line 21 holds "10.0.0.999" in that layout.
    errors: [/^in\.json:21: error KPC013: EndpointSlice shop\/web-abc: endpoints\[0\]\.addresses\[2\]: must be a valid IP address/],
  },
  { name: 'binary garbage', file: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0xff, 0xfe]), errors: [/^in\.yaml: error KPC003: .*binary/] },
  { name: 'invalid UTF-8', file: Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xc3, 0x28]), errors: [/^in\.yaml: error KPC003: .*UTF-8/] },
  { name: 'a scalar document', file: 'just some text\n', errors: [/^in\.yaml:1: error KPC004: /] },
  { name: 'missing kind', file: 'apiVersion: v1\nmetadata:\n  name: x\n', errors: [/^in\.yaml:1: error KPC004: kind: /] },
  { name: 'port as a string', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: "80"\n'), errors: [/^in\.yaml:9: error KPC010: Service shop\/web: spec\.ports\[0\]\.port: must be an integer, found the string "80"/] },
  { name: 'port as YAML .nan (no JavaScript NaN in the message)', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: .nan\n'), errors: [/^in\.yaml:9: error KPC010: Service shop\/web: spec\.ports\[0\]\.port: must be an integer, found not-a-number \(\.nan\)$/] },
  { name: 'port as YAML -.inf', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: -.inf\n'), errors: [/^in\.yaml:9: error KPC010: Service shop\/web: spec\.ports\[0\]\.port: must be an integer, found an infinite number \(-\.inf\)$/] },
  { name: 'port out of range', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: 70000\n'), errors: [/^in\.yaml:9: error KPC015: Service shop\/web: spec\.ports\[0\]\.port: must be between 1 and 65535, found 70000/] },
  { name: 'nodePort out of range', file: svc('  type: NodePort\n  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n    nodePort: -1\n'), errors: [/^in\.yaml:11: error KPC015: Service shop\/web: spec\.ports\[0\]\.nodePort: /] },
  { name: 'invalid cluster IP', file: svc('  clusterIP: 10.96.0.300\n  ports:\n  - port: 80\n'), errors: [/^in\.yaml:7: error KPC013: Service shop\/web: spec\.clusterIP: must be a valid IP address/] },
  { name: 'invalid cluster IP beside valid clusterIPs', file: svc('  clusterIP: 10.96.0.300\n  clusterIPs:\n  - 10.96.0.30\n  ports:\n  - port: 80\n'), errors: [/^in\.yaml:7: error KPC013: Service shop\/web: spec\.clusterIP: must be a valid IP address or "None", found "10\.96\.0\.300"$/] },
  { name: 'invalid external IP', file: svc(`${GOOD_SPEC}  externalIPs:\n  - 1.2.3\n`), errors: [/^in\.yaml:12: error KPC013: Service shop\/web: spec\.externalIPs\[0\]/] },
  { name: 'invalid source range', file: svc(`  type: LoadBalancer\n  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n  loadBalancerSourceRanges:\n  - 10.0.0.0/33\n`), errors: [/^in\.yaml:12: error KPC014: Service shop\/web: spec\.loadBalancerSourceRanges\[0\]/] },
  { name: 'invalid protocol', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n    protocol: tcp\n'), errors: [/^in\.yaml:10: error KPC016: Service shop\/web: spec\.ports\[0\]\.protocol: must be one of TCP, UDP, SCTP, found "tcp"/] },
  { name: 'invalid Service type', file: svc('  type: Nodeport\n  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n'), errors: [/^in\.yaml:7: error KPC017: Service shop\/web: spec\.type: /] },
  { name: 'invalid traffic policy', file: svc(`${GOOD_SPEC}  internalTrafficPolicy: local\n`), errors: [/^in\.yaml:11: error KPC018: Service shop\/web: spec\.internalTrafficPolicy: /] },
  { name: 'a name that would inject text into a rule comment', file: svc(GOOD_SPEC, 'name: "web\\" -j ACCEPT -m comment --comment \\"x"\n  namespace: shop'), errors: [/^in\.yaml:4: error KPC012: Service shop\/".*": metadata\.name: /] },
  { name: 'a namespace with a space', file: svc(GOOD_SPEC, 'name: web\n  namespace: "shop x"'), errors: [/^in\.yaml:5: error KPC012: .*metadata\.namespace: /] },
  { name: 'a port name with a newline', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - name: "h\\n-A INPUT -j DROP"\n    port: 80\n'), errors: [/^in\.yaml:9: error KPC012: Service shop\/web: spec\.ports\[0\]\.name: /] },
  { name: 'an upper-case Service name', file: svc(GOOD_SPEC, 'name: Web\n  namespace: shop'), errors: [/error KPC012: Service shop\/"Web": metadata\.name: "Web" must consist of lower case/] },
  { name: 'duplicate port names', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - name: a\n    port: 80\n  - name: a\n    port: 81\n'), errors: [/^in\.yaml:11: error KPC019: Service shop\/web: spec\.ports\[1\]\.name: duplicate port name "a"/] },
  { name: 'one nodePort twice for one protocol', file: svc('  type: NodePort\n  clusterIP: 10.96.0.10\n  ports:\n  - name: a\n    port: 80\n    nodePort: 30080\n  - name: b\n    port: 81\n    nodePort: 30080\n  - name: c\n    port: 81\n    protocol: UDP\n    nodePort: 30080\n'), errors: [/^in\.yaml:15: error KPC019: Service shop\/web: spec\.ports\[1\]\.nodePort: duplicate nodePort 30080\/TCP \(spec\.ports\[0\] has it\)$/] },
  {
    name: 'one nodePort twice for one protocol, in a JSON List',
    as: 'in.json',
    file: `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }] } }] })}\n`,
    errors: [/^in\.json:1: error KPC019: Service shop\/web: spec\.ports\[1\]\.nodePort: duplicate nodePort 30080\/TCP \(spec\.ports\[0\] has it\)$/],
  },
  { name: 'SingleStack with two cluster IPs', file: svc('  ipFamilyPolicy: SingleStack\n  clusterIP: 10.96.0.10\n  clusterIPs:\n  - 10.96.0.10\n  - fd00::10\n  ports:\n  - port: 80\n'), errors: [/^in\.yaml:7: error KPC020: Service shop\/web: spec\.ipFamilyPolicy: is SingleStack but spec\.clusterIPs holds two families; the API server requires PreferDualStack or RequireDualStack for that$/] },
  { name: 'SingleStack with two ipFamilies', file: svc('  ipFamilyPolicy: SingleStack\n  ipFamilies:\n  - IPv4\n  - IPv6\n  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n'), errors: [/^in\.yaml:7: error KPC020: Service shop\/web: spec\.ipFamilyPolicy: is SingleStack but spec\.ipFamilies holds two families/] },
  { name: 'an unknown ipFamilyPolicy', file: svc('  ipFamilyPolicy: DualStack\n  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n'), errors: [/^in\.yaml:7: error KPC018: Service shop\/web: spec\.ipFamilyPolicy: must be one of SingleStack, PreferDualStack, RequireDualStack, found "DualStack"/] },
  { name: 'a headless NodePort Service', file: svc('  type: NodePort\n  clusterIP: None\n  ports:\n  - port: 80\n    nodePort: 30080\n'), errors: [/^in\.yaml:8: error KPC020: Service shop\/web: spec\.clusterIP: may not be "None" when spec\.type is NodePort$/] },
  { name: 'a headless LoadBalancer Service (clusterIPs)', file: svc('  type: LoadBalancer\n  clusterIP: None\n  clusterIPs:\n  - None\n  ports:\n  - port: 80\n    nodePort: 30080\n'), errors: [/^in\.yaml:10: error KPC020: Service shop\/web: spec\.clusterIPs\[0\]: may not be "None" when spec\.type is LoadBalancer$/] },
  { name: 'an ExternalName Service without externalName', file: svc('  type: ExternalName\n'), errors: [/^in\.yaml:6: error KPC011: Service shop\/web: spec\.externalName: is required when spec\.type is ExternalName$/] },
  { name: 'an ExternalName that is no DNS name', file: svc('  type: ExternalName\n  externalName: "db_host.example.com"\n'), errors: [/^in\.yaml:8: error KPC012: Service shop\/web: spec\.externalName: "db_host\.example\.com" must consist of lower case alphanumeric characters, '-' or '\.'/] },
  { name: 'a targetPort name with an upper-case letter', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n    targetPort: Http\n'), errors: [/^in\.yaml:10: error KPC012: Service shop\/web: spec\.ports\[0\]\.targetPort: "Http" must contain only lower case alphanumeric characters \(a-z, 0-9\) and hyphens \(-\) \(a named port\), or give a number$/] },
  { name: 'a targetPort of digits in quotes (a name, and no name is all digits)', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n    targetPort: "8080"\n'), errors: [/^in\.yaml:10: error KPC012: Service shop\/web: spec\.ports\[0\]\.targetPort: "8080" must contain at least one letter \(a-z\)/] },
  { name: 'a targetPort name of 16 characters', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n    targetPort: abcdefghijklmnop\n'), errors: [/^in\.yaml:10: error KPC012: .*targetPort: "abcdefghijklmnop" must be no more than 15 characters/] },
  { name: 'a targetPort out of range', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n    targetPort: 70000\n'), errors: [/^in\.yaml:10: error KPC015: Service shop\/web: spec\.ports\[0\]\.targetPort: must be between 0 and 65535, found 70000$/] },
  {
    name: 'a targetPort out of range, in a JSON List',
    as: 'in.json',
    file: `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 70000 }] } }] })}\n`,
    errors: [/^in\.json:1: error KPC015: Service shop\/web: spec\.ports\[0\]\.targetPort: must be between 0 and 65535, found 70000$/],
  },
  { name: 'a kind in the wrong case', file: svc(GOOD_SPEC).replace('kind: Service', 'kind: service'), errors: [/^in\.yaml:2: error KPC018: kind: is "service": kinds are case-sensitive, did you mean Service\?$/] },
  { name: 'an EndpointSlice kind in the wrong case', file: slice('addressType: IPv4\nendpoints: []\n').replace('kind: EndpointSlice', 'kind: Endpointslice'), errors: [/^in\.yaml:2: error KPC018: kind: is "Endpointslice": kinds are case-sensitive, did you mean EndpointSlice\?$/] },
  { name: 'duplicate Services', file: `${svc(GOOD_SPEC)}---\n${svc(GOOD_SPEC)}`, errors: [/^in\.yaml:12: error KPC019: Service shop\/web: appears more than once \(first at in\.yaml:1\)/] },
  { name: 'bad EndpointSlice address type', file: slice('addressType: IPv5\nendpoints: []\n'), errors: [/^in\.yaml:8: error KPC018: EndpointSlice shop\/web-abc: addressType: must be one of IPv4, IPv6, FQDN/] },
  { name: 'an IPv6 address in an IPv4 slice', file: slice('addressType: IPv4\nendpoints:\n- addresses: ["fd00::1"]\nports:\n- name: http\n  port: 8080\n'), errors: [/^in\.yaml:10: error KPC020: EndpointSlice shop\/web-abc: endpoints\[0\]\.addresses\[0\]: fd00::1 is not an IPv4 address/] },
  { name: 'a condition that is not a boolean', file: slice('addressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\n  conditions:\n    ready: "yes"\n'), errors: [/^in\.yaml:12: error KPC010: EndpointSlice shop\/web-abc: endpoints\[0\]\.conditions\.ready: must be true or false/] },
  // A field that is missing is placed at its object, not at the next object that has the field.
  { name: 'missing apiVersion, another object after it', file: `kind: Service\nmetadata:\n  name: x\n---\n${svc(GOOD_SPEC)}`, errors: [/^in\.yaml:1: error KPC004: apiVersion: /] },
  { name: 'missing apiVersion in a List item before a whole one', file: `apiVersion: v1\nkind: List\nitems:\n- kind: Service\n  metadata: {name: x}\n- ${svc(GOOD_SPEC).replace(/\n/g, '\n  ')}`, errors: [/^in\.yaml:4: error KPC004: apiVersion: /] },
  { name: 'missing addressType, another slice after it', file: `${slice('endpoints: []\n')}---\n${slice('addressType: IPv4\nendpoints: []\n').replace('web-abc', 'web-def')}`, errors: [/^in\.yaml:1: error KPC011: EndpointSlice shop\/web-abc: addressType: is required/] },
  { name: 'missing metadata.name, another Service after it', file: `${svc(GOOD_SPEC, 'namespace: shop')}---\n${svc(GOOD_SPEC)}`, errors: [/^in\.yaml:3: error KPC011: Service shop\/\?: metadata\.name: is required/] },
  // A container of the wrong type is one problem, named once, and never read as if absent.
  { name: 'endpoint conditions as a string (never read as "ready")', file: slice('addressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\n  conditions: not-ready\n'), errors: [/^in\.yaml:11: error KPC010: EndpointSlice shop\/web-abc: endpoints\[0\]\.conditions: must be a mapping, found the string "not-ready"$/] },
  { name: 'node hints that are not a list of names', file: slice('addressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\n  hints:\n    forNodes: node-a\n- addresses: ["10.0.0.2"]\n  hints:\n    forNodes: [{nam: node-a}]\n'), errors: [/^in\.yaml:12: error KPC010: EndpointSlice shop\/web-abc: endpoints\[0\]\.hints\.forNodes: must be a list, found the string "node-a"$/, /^in\.yaml:15: error KPC011: EndpointSlice shop\/web-abc: endpoints\[1\]\.hints\.forNodes\[0\]\.name: is required$/] },
  { name: 'endpoint hints as a list', file: slice('addressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\n  hints: [a]\n'), errors: [/^in\.yaml:11: error KPC010: EndpointSlice shop\/web-abc: endpoints\[0\]\.hints: must be a mapping, found a list$/] },
  { name: 'sessionAffinityConfig as a string', file: svc(`${GOOD_SPEC}  sessionAffinity: ClientIP\n  sessionAffinityConfig: oops\n`), errors: [/^in\.yaml:12: error KPC010: Service shop\/web: spec\.sessionAffinityConfig: must be a mapping, found the string "oops"$/] },
  { name: 'status as a string', file: `${svc(GOOD_SPEC)}status: x\n`, errors: [/^in\.yaml:11: error KPC010: Service shop\/web: status: must be a mapping, found the string "x"$/] },
  { name: 'a load-balancer ingress entry that is a number', file: `${svc('  type: LoadBalancer\n  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n')}status:\n  loadBalancer:\n    ingress:\n    - 42\n`, errors: [/^in\.yaml:14: error KPC010: Service shop\/web: status\.loadBalancer\.ingress\[0\]: must be a mapping, found number 42$/] },
  { name: 'spec as a string (not also "spec is required")', file: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec: ""\n', errors: [/^in\.yaml:6: error KPC010: Service shop\/web: spec: must be a mapping, found the string ""$/] },
  { name: 'a port that is a string (one message)', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - a\n'), errors: [/^in\.yaml:9: error KPC010: Service shop\/web: spec\.ports\[0\]: must be a mapping, found the string "a"$/] },
  { name: 'a null endpoint', file: slice('addressType: IPv4\nendpoints:\n- null\n'), errors: [/^in\.yaml:10: error KPC010: EndpointSlice shop\/web-abc: endpoints\[0\]: must be a mapping, found null$/] },
  { name: 'a Node whose spec is a string', file: 'apiVersion: v1\nkind: Node\nmetadata:\n  name: node-a\nspec: x\n', errors: [/^in\.yaml:5: error KPC010: Node node-a: spec: must be a mapping, found the string "x"$/] },
  { name: 'ports as a number (not also "at least one port")', file: svc('  clusterIP: 10.96.0.10\n  ports: 1.5\n'), errors: [/^in\.yaml:8: error KPC010: Service shop\/web: spec\.ports: must be a list, found number 1\.5$/] },
  { name: 'addresses as a string (not also "at least one address")', file: slice('addressType: IPv4\nendpoints:\n- addresses: ""\n'), errors: [/^in\.yaml:10: error KPC010: EndpointSlice shop\/web-abc: endpoints\[0\]\.addresses: must be a list, found the string ""$/] },
  { name: 'a misspelt type with a nodePort and source ranges (the type alone)', file: svc('  type: Nodeport\n  clusterIP: 10.96.0.10\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports:\n  - port: 80\n    nodePort: 30001\n'), errors: [/^in\.yaml:7: error KPC017: Service shop\/web: spec\.type: must be one of ClusterIP, NodePort, LoadBalancer, ExternalName, found "Nodeport"$/] },
  // An apiVersion no API server serves (a typo, a removed version) is not read as if it were v1.
  { name: 'a Service of apiVersion v2', file: svc(GOOD_SPEC).replace('apiVersion: v1', 'apiVersion: v2'), errors: [/^in\.yaml:1: error KPC018: Service shop\/web: apiVersion: must be v1 for kind Service, found "v2"$/] },
  {
    name: 'an EndpointSlice of discovery.k8s.io/v1beta1 in a JSON List',
    as: 'in.json',
    file: `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'discovery.k8s.io/v1beta1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ name: 'http', port: 8080 }] }] }, null, 2)}\n`,
    errors: [/^in\.json:6: error KPC018: EndpointSlice shop\/web-abc: apiVersion: must be discovery\.k8s\.io\/v1 for kind EndpointSlice, found "discovery\.k8s\.io\/v1beta1" \(no longer served since Kubernetes 1\.25\)$/],
  },
  { name: 'a Node of apiVersion v1beta1', file: 'apiVersion: v1beta1\nkind: Node\nmetadata:\n  name: node-a\n', errors: [/^in\.yaml:1: error KPC018: Node node-a: apiVersion: must be v1 for kind Node, found "v1beta1"$/] },
  { name: 'duplicate slice port names', file: slice('addressType: IPv4\nendpoints: []\nports:\n- name: http\n  port: 8080\n- name: http\n  port: 8081\n'), errors: [/^in\.yaml:13: error KPC019: EndpointSlice shop\/web-abc: ports\[1\]\.name: duplicate port name "http"$/] },
  { name: 'two unnamed slice ports in a JSON List', as: 'in.json', file: `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [], ports: [{ port: 8080 }, { name: '', port: 8081 }] }] })}\n`, errors: [/^in\.json:1: error KPC019: EndpointSlice shop\/web-abc: ports\[1\]\.name: a second port without a name \(each port of a slice needs its own name\)$/] },
  { name: 'two problems, two messages', file: svc('  clusterIP: 10.96.0.10\n  ports:\n  - name: a\n    port: 0\n  - name: b\n    port: 80\n    protocol: HTTP\n'), errors: [/KPC015: Service shop\/web: spec\.ports\[0\]\.port/, /KPC016: Service shop\/web: spec\.ports\[1\]\.protocol/] },
];

describe('bad input: exit 2, one message per problem, nothing on stdout, no output file', () => {
  for (const c of CASES) {
    it(`kproxy-compile in.yaml -o out.txt (${c.name})`, async () => {
      const caseDir = mkdtempSync(join(dir, 'case-'));
      const name = c.as ?? 'in.yaml';
      // `-`: the text comes on standard input.
      if (name !== '-') writeFileSync(join(caseDir, name), c.file);
      const run = await runCli([name, '-o', 'out.txt', '--hostname-override', 'node-a'], { cwd: caseDir, stdin: name === '-' ? String(c.file) : '' });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(existsSync(join(caseDir, 'out.txt'))).toBe(false);
      const errorLines = run.stderr.split('\n').filter((l) => / error KPC\d+: /.test(l));
      expect(errorLines).toHaveLength(c.errors.length);
      c.errors.forEach((re, i) => expect(errorLines[i]).toMatch(re));
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it('kproxy-compile in.yaml (the slices of a Service that failed to read are not also "unclaimed")', async () => {
    const caseDir = mkdtempSync(join(dir, 'refused-'));
    const sliceDoc = slice('addressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\nports:\n- name: http\n  port: 8080\n');
    const bad = [svc('  clusterIP: 10.96.0.10\n  ports:\n  - port: 70000\n'), svc(GOOD_SPEC).replace('apiVersion: v1', 'apiVersion: v2'), svc(GOOD_SPEC).replace('kind: Service', 'kind: service')];
    for (const service of bad) {
      writeFileSync(join(caseDir, 'in.yaml'), `${service}---\n${sliceDoc}`);
      const run = await runCli(['in.yaml', '--hostname-override', 'node-a'], { cwd: caseDir });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^in\.yaml:\d+: error KPC01[58]: (Service shop\/web: |kind: is "service")/);
    }
  });

  it('kproxy-compile missing.yaml (an unreadable path)', async () => {
    const run = await runCli([join(dir, 'missing.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/error KPC001: cannot read .*missing\.yaml: no such file or directory/);
  });

  it('kproxy-compile dir/ (a manifest-named symlink in it leads nowhere): the link is named, not the directory', async () => {
    const linked = join(dir, 'dangling');
    mkdirSync(linked, { recursive: true });
    writeFileSync(join(linked, 'a.yaml'), svc(GOOD_SPEC));
    symlinkSync(join(linked, 'gone.yaml'), join(linked, 'b.yaml'));
    const run = await runCli([linked]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^\S*dangling\/b\.yaml: error KPC001: cannot read \S*dangling\/b\.yaml: no such file or directory$/m);
    expect(run.stderr).not.toMatch(/cannot read \S*dangling:/);
  });

  it('kproxy-compile locked/ (a directory that cannot be read)', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(join(locked, 'inner'), { recursive: true });
    writeFileSync(join(locked, 'inner', 'a.yaml'), svc(GOOD_SPEC));
    chmodSync(join(locked, 'inner', 'a.yaml'), 0o000);
    const run = await runCli([locked]);
    chmodSync(join(locked, 'inner', 'a.yaml'), 0o644);
    // root reads files regardless of mode; then the file simply compiles.
    if (process.getuid?.() === 0) expect(run.code).toBe(0);
    else {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/error KPC001: cannot read .*a\.yaml: permission denied/);
    }
  });
});

describe('several problems in one object', () => {
  it('are reported in the order of their lines, in YAML and in a JSON List alike', async () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.10', prots: [], ports: [{ port: 70000, protocol: 'TCPX' }], type: 'Bogus' } };
    const texts = {
      'order.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  clusterIP: 10.96.0.10\n  "prots": []\n  ports:\n  - port: 70000\n    protocol: "TCPX"\n  type: "Bogus"\n',
      'order.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [service] }, null, 2),
    };
    for (const [name, text] of Object.entries(texts)) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const run = await runCli([file]);
      expect(run.code, name).toBe(2);
      const found = run.stderr.trim().split('\n').map((l) => { const m = /^[^:]+:(\d+): \w+ (KPC\d+)/.exec(l); return [Number(m?.[1]), m?.[2]]; });
      // Where each problem is, counted in the text itself.
      const at = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
      expect(found, name).toEqual([[at('"prots"'), 'KPC038'], [at('70000'), 'KPC015'], [at('"TCPX"'), 'KPC016'], [at('"Bogus"'), 'KPC017']]);
      expect(at('"prots"') < at('70000') && at('70000') < at('"TCPX"') && at('"TCPX"') < at('"Bogus"'), name).toBe(true);
    }
  });
});

describe('tolerated input: warnings on stderr, output as kube-proxy would produce', () => {
  it('kproxy-compile in.yaml (a slice for a missing Service is a warning)', async () => {
    const caseDir = mkdtempSync(join(dir, 'warn-'));
    writeFileSync(join(caseDir, 'in.yaml'), slice('addressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\nports:\n- name: http\n  port: 8080\n'));
    const run = await runCli(['in.yaml', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual(['in.yaml:7: warning KPC030: EndpointSlice shop/web-abc: metadata.labels.kubernetes.io/service-name: belongs to Service shop/web, which is not in the input; its endpoints are unused']);
    expect(run.stdout).not.toContain('10.0.0.1');
    expect(run.stdout).toContain(':KUBE-SERVICES - [0:0]');
  });

  it('kproxy-compile in.yaml / in.json (a List inside a List is flattened, as kubectl reads it)', async () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: 'web' }, spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80 }] } };
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'shop', name: 'web-a', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'] }], ports: [{ name: 'http', port: 8080 }] };
    const nested = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'List', items: [service] }, { apiVersion: 'v1', kind: 'EndpointSliceList', items: [slice, 7] }] };
    // The same text read by both readers: as a JSON List (in.json) and as a YAML document (in.yaml).
    const text = `${JSON.stringify(nested, null, 2)}\n`;
    for (const file of ['in.yaml', 'in.json']) {
      const caseDir = mkdtempSync(join(dir, 'nested-'));
      writeFileSync(join(caseDir, file), text);
      const run = await runCli([file, '--hostname-override', 'node-a'], { cwd: caseDir });
      expect(run.stdout).toBe('');
      // The stray 7 among the slices is the one problem, at its own line.
      const seven = text.split('\n').findIndex((l) => l.trim() === '7') + 1;
      expect(run.stderr).toBe(`${file}:${seven}: error KPC004: items[1] is not a Kubernetes object\n`);
      writeFileSync(join(caseDir, file), JSON.stringify({ ...nested, items: [nested.items[0], { ...nested.items[1], items: [slice] }] }, null, 2));
      const ok = await runCli([file, '--hostname-override', 'node-a'], { cwd: caseDir });
      expect(ok.code).toBe(0);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toMatch(/--comment "shop\/web:http" -m tcp -j DNAT --to-destination 10\.244\.1\.5:8080/);
    }
  });

  it('kproxy-compile in.yaml (a slice port named other than the Service port: a warning, and the REJECT kube-proxy writes)', async () => {
    const caseDir = mkdtempSync(join(dir, 'warn-'));
    writeFileSync(join(caseDir, 'in.yaml'), `${svc(GOOD_SPEC)}\n---\n${slice('addressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\nports:\n- name: web\n  port: 8080\n- name: http\n  port: 8080\n  protocol: UDP\n')}`);
    const run = await runCli(['in.yaml', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(run.code).toBe(0);
    // The slice's `ports:` is on line 23 (the Service takes lines 1-10, then a blank line and `---`; the slice starts on 13).
    expect(run.stderr.trim().split('\n')).toEqual(['in.yaml:23: warning KPC037: EndpointSlice shop/web-abc: ports: ports web/TCP, http/UDP match no port of Service shop/web (http/TCP): kube-proxy pairs ports by name and protocol, so their endpoints are unused']);
    expect(run.stdout).toContain('"shop/web:http has no endpoints"');
    expect(run.stdout).not.toContain('10.0.0.1');
  });

  it('kproxy-compile in.yaml (a key written three times: a warning for each repetition, the last value used)', async () => {
    const caseDir = mkdtempSync(join(dir, 'warn-'));
    writeFileSync(join(caseDir, 'in.yaml'), svc(GOOD_SPEC, 'name: a\n  namespace: shop\n  name: b\n  name: web'));
    const run = await runCli(['in.yaml', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([6, 7].map((n) => `in.yaml:${n}: warning KPC007: key "name" appears a second time in its mapping: the last value is used, as kubectl reads it`));
    expect(run.stdout).toContain('shop/web:http');
  });

  it('kproxy-compile in.json (a JSON List whose Service gives its name twice: a warning at the repetition, the last value used)', async () => {
    const caseDir = mkdtempSync(join(dir, 'warn-'));
    const service = '{"apiVersion": "v1", "kind": "Service",\n "metadata": {"name": "a", "namespace": "shop",\n  "name": "web"},\n "spec": {"clusterIP": "10.96.0.10", "ports": [{"name": "http", "port": 80}]}}';
    writeFileSync(join(caseDir, 'in.json'), `{"apiVersion": "v1", "kind": "List", "items": [\n${service}]}\n`);
    const run = await runCli(['in.json', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual(['in.json:4: warning KPC007: key "name" appears a second time in its object: the last value is used, as kubectl reads it']);
    expect(run.stdout).toContain('shop/web:http');
    expect(run.stdout).not.toContain('shop/a:');
  });

  it('kproxy-compile in.yaml (thirty repeated keys: twenty named, then one line for the rest)', async () => {
    const caseDir = mkdtempSync(join(dir, 'warn-'));
    const labels = Array.from({ length: 30 }, (_, i) => `    k${i}: a\n    k${i}: b`).join('\n');
    writeFileSync(join(caseDir, 'in.yaml'), svc(GOOD_SPEC, `name: web\n  namespace: shop\n  labels:\n${labels}`));
    const run = await runCli(['in.yaml', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(run.code).toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(21);
    // Label k<i> is written on lines 7 + 2i and 8 + 2i; the repetition is the second.
    expect(lines[0]).toBe('in.yaml:8: warning KPC007: key "k0" appears a second time in its mapping: the last value is used, as kubectl reads it');
    expect(lines[19]).toBe('in.yaml:46: warning KPC007: key "k19" appears a second time in its mapping: the last value is used, as kubectl reads it');
    expect(lines[20]).toBe('in.yaml:48: warning KPC007: key "k20" and maybe more keys appear a second time in their mappings (only the first 20 are named): the last value of each is used, as kubectl reads it');
  });

  it('kproxy-compile in.yaml (a slice without a service-name label is a warning at its metadata line)', async () => {
    const caseDir = mkdtempSync(join(dir, 'warn-'));
    writeFileSync(join(caseDir, 'in.yaml'), 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-abc\n  namespace: shop\naddressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\n');
    const run = await runCli(['in.yaml', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual(['in.yaml:3: warning KPC031: EndpointSlice shop/web-abc: metadata.labels: has no kubernetes.io/service-name label; kube-proxy ignores it']);
    expect(run.stdout).not.toContain('10.0.0.1');
  });

  // The Service and slice of one unnamed port, as YAML and as a JSON List (each read by its own path).
  const unnamedPair = (slicePorts: readonly Record<string, unknown>[]) => [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 80 }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: slicePorts },
  ];
  const asYaml = (objects: readonly unknown[]) => objects.map((o) => JSON.stringify(o, null, 2)).join('\n---\n');
  const asList = (objects: readonly unknown[]) => `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  /** Compiles `objects` written as YAML documents and as a JSON List (each read by its own path) for node-a: both runs. */
  const compileBoth = async (tag: string, objects: readonly unknown[], args: readonly string[] = []) => {
    const caseDir = mkdtempSync(join(dir, `${tag}-`));
    writeFileSync(join(caseDir, 'in.yaml'), asYaml(objects));
    writeFileSync(join(caseDir, 'in.json'), asList(objects));
    const runs: { name: string; run: CliRun }[] = [];
    for (const name of ['in.yaml', 'in.json']) runs.push({ name, run: await runCli([name, '--hostname-override', 'node-a', ...args], { cwd: caseDir }) });
    return runs;
  };

  it('kproxy-compile in.yaml / in.json (a trafficDistribution the API server refuses is a warning; the rules do not depend on it)', async () => {
    const service = (d: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.10', trafficDistribution: d, ports: [{ name: 'http', port: 80 }] } });
    const plain = await compileBoth('td-good', [service('PreferSameZone')], []);
    for (const [i, { name, run }] of (await compileBoth('td-bad', [service('preferClose')], [])).entries()) {
      expect(run.code, name).toBe(0);
      expect(run.stderr.trim().split('\n'), name).toEqual([expect.stringMatching(new RegExp(`^${name.replace('.', '\\.')}:\\d+: warning KPC033: Service shop/web: spec\\.trafficDistribution: "preferClose" is not PreferClose, PreferSameZone, PreferSameNode: the API server would reject this; kube-proxy does not read the field \\(the EndpointSlices' hints decide\\)$`))]);
      expect(plain[i].run.stderr, name).toBe('');
      expect(run.stdout, name).toBe(plain[i].run.stdout);
    }
  });

  it('kproxy-compile in.yaml / in.json (an endpoint hostname the API server refuses is a warning; the rules do not depend on it)', async () => {
    const objects = (hostname: unknown) => [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80 }] } },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], hostname }], ports: [{ name: 'http', port: 8080 }] },
    ];
    const plain = await compileBoth('host-good', objects('web-0'), []);
    for (const [i, { name, run }] of (await compileBoth('host-bad', objects('Web_0'), [])).entries()) {
      expect(run.code, name).toBe(0);
      expect(run.stderr.trim().split('\n'), name).toEqual([expect.stringMatching(new RegExp(`^${name.replace('.', '\\.')}:\\d+: warning KPC033: EndpointSlice shop/web-abc: endpoints\\[0\\]\\.hostname: "Web_0" .+: the API server would reject this; kube-proxy does not read the field$`))]);
      expect(plain[i].run.stderr, name).toBe('');
      expect(run.stdout, name).toBe(plain[i].run.stdout);
      expect(run.stdout, name).toContain('--to-destination 10.0.0.1:8080');
    }
  });

  it('kproxy-compile in.yaml / in.json (a slice port without a name is the unnamed port, as the API server defaults it)', async () => {
    const objects = unnamedPair([{ port: 8080 }]);
    for (const { name, run } of await compileBoth('unnamed', objects)) {
      expect(run.code, name).toBe(0);
      expect(run.stderr, name).toBe('');
      expect(run.stdout, name).toMatch(/^-A KUBE-SVC-\w+ -m comment --comment "shop\/web -> 10\.0\.0\.1:8080" -j KUBE-SEP-\w+$/m);
      expect(run.stdout, name).toMatch(/^-A KUBE-SEP-\w+ -p tcp -m comment --comment "shop\/web" -m tcp -j DNAT --to-destination 10\.0\.0\.1:8080$/m);
    }
  });

  it('kproxy-compile in.yaml / in.json (a slice port of 0 or none is a warning: kube-proxy skips it, and the Service rejects)', async () => {
    const caseDir = mkdtempSync(join(dir, 'noport-'));
    for (const [ports, why] of [[[{ port: 0 }], 'is 0'], [[{ name: '' }], 'is not set \\(meaning all ports\\)'], [[{ port: null }], 'is not set \\(meaning all ports\\)']] as const) {
      const objects = unnamedPair(ports);
      writeFileSync(join(caseDir, 'in.yaml'), asYaml(objects));
      writeFileSync(join(caseDir, 'in.json'), asList(objects));
      for (const name of ['in.yaml', 'in.json']) {
        const run = await runCli([name, '--hostname-override', 'node-a'], { cwd: caseDir });
        const label = `${name} ${JSON.stringify(ports)}`;
        expect(run.code, label).toBe(0);
        expect(run.stderr.trim().split('\n'), label).toHaveLength(1);
        expect(run.stderr, label).toMatch(new RegExp(`^${name.replace('.', '\\.')}:\\d+: warning KPC032: EndpointSlice shop/web-abc: ports\\[0\\]\\.port: ${why}: kube-proxy ignores such a port, so this slice's endpoints get no rules for it\n$`));
        expect(run.stdout, label).not.toContain('10.0.0.1');
        expect(run.stdout, label).toMatch(/^-A KUBE-SERVICES -d 10\.96\.0\.10\/32 -p tcp -m comment --comment "shop\/web has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable$/m);
      }
    }
  });

  // Fields the API server allows only with some types or settings (its validateService), set
  // elsewhere: a warning each, and the rules of the Service without them, as kube-proxy reads none.
  const misplacedCases: readonly { name: string; type: string; add: Record<string, unknown>; field: string; why: string }[] = [
    { name: 'externalTrafficPolicy on a ClusterIP Service', type: 'ClusterIP', add: { externalTrafficPolicy: 'Local' }, field: 'externalTrafficPolicy', why: 'may only be set for an externally-accessible Service (type NodePort or LoadBalancer, or one with external IPs), and this one is ClusterIP' },
    { name: 'healthCheckNodePort on a NodePort Service', type: 'NodePort', add: { externalTrafficPolicy: 'Local', healthCheckNodePort: 30999 }, field: 'healthCheckNodePort', why: 'may only be set when spec.type is LoadBalancer and spec.externalTrafficPolicy is Local' },
    { name: 'healthCheckNodePort on a LoadBalancer with externalTrafficPolicy Cluster', type: 'LoadBalancer', add: { externalTrafficPolicy: 'Cluster', healthCheckNodePort: 30999 }, field: 'healthCheckNodePort', why: 'may only be set when spec.type is LoadBalancer and spec.externalTrafficPolicy is Local' },
    { name: 'allocateLoadBalancerNodePorts on a NodePort Service', type: 'NodePort', add: { allocateLoadBalancerNodePorts: false }, field: 'allocateLoadBalancerNodePorts', why: 'may only be used when spec.type is LoadBalancer, and this Service is NodePort' },
    { name: 'loadBalancerClass on a ClusterIP Service', type: 'ClusterIP', add: { loadBalancerClass: 'example.com/lb' }, field: 'loadBalancerClass', why: 'may only be used when spec.type is LoadBalancer, and this Service is ClusterIP' },
    { name: 'sessionAffinityConfig without ClientIP affinity', type: 'ClusterIP', add: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, field: 'sessionAffinityConfig', why: 'must not be set when spec.sessionAffinity is None' },
  ];
  it.each(misplacedCases)('kproxy-compile in.yaml / in.json ($name: a warning, the rules as without it)', async ({ type, add, field, why }) => {
    const service = (extra: Record<string, unknown>) => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' },
      spec: { type, clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, ...(type === 'ClusterIP' ? {} : { nodePort: 30080 }) }], ...extra },
    });
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'node-a' }], ports: [{ name: 'http', port: 8080 }] };
    // Without the field (a LoadBalancer keeps its externalTrafficPolicy, which the case does not question).
    const without = Object.fromEntries(Object.entries(add).filter(([k]) => k !== field));
    const plain = await compileBoth('placed', [service(without), slice]);
    const esc = why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const [i, { name, run }] of (await compileBoth('misplaced', [service(add), slice])).entries()) {
      expect(run.code, name).toBe(0);
      expect(run.stderr.trim().split('\n'), name).toEqual([expect.stringMatching(new RegExp(`^${name.replace('.', '\\.')}:\\d+: warning KPC033: Service shop/web: spec\\.${field}: ${esc}: the API server would reject this; kube-proxy does not read the field here$`))]);
      expect(plain[i].run.stderr, name).toBe('');
      expect(run.stdout, name).toContain('--to-destination 10.0.0.1:8080');
      expect(run.stdout, name).toBe(plain[i].run.stdout);
    }
  });

  // What the API server allocates on create, left out of a hand-written manifest: a warning each,
  // as YAML and as a JSON List (the fast reader leaves such Services to the checked one).
  const allocCases: readonly { name: string; spec: Record<string, unknown>; warnings: readonly RegExp[]; rules: RegExp }[] = [
    { name: 'no cluster IP', spec: { ports: [{ port: 80 }] }, warnings: [/:\d+: warning KPC034: Service shop\/web: spec\.clusterIP: is not set: the API server allocates one when the Service is created; without it this Service gets no rules \(kubectl get service -o yaml shows the allocated value\)$/], rules: /^(?![\s\S]*shop\/web)/ },
    { name: 'a NodePort Service without a nodePort', spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80 }] }, warnings: [/:\d+: warning KPC034: Service shop\/web: spec\.ports\[0\]\.nodePort: is not set: the API server allocates one for a NodePort Service; without it this port gets no node-port rules/], rules: /^-A KUBE-SERVICES -d 10\.96\.0\.10\/32 -p tcp -m comment --comment "shop\/web has no endpoints"/m },
    { name: 'a LoadBalancer with externalTrafficPolicy Local and no healthCheckNodePort', spec: { type: 'LoadBalancer', clusterIP: '10.96.0.10', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30080 }] }, warnings: [/:\d+: warning KPC034: Service shop\/web: spec\.healthCheckNodePort: is not set: the API server allocates one for a LoadBalancer Service with externalTrafficPolicy Local; without it there is no health check rule/], rules: /--dport 30080/ },
  ];
  for (const c of allocCases) {
    it(`kproxy-compile in.yaml / in.json (${c.name}: a warning, the rest compiled)`, async () => {
      const caseDir = mkdtempSync(join(dir, 'alloc-'));
      const objects = [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: c.spec }];
      writeFileSync(join(caseDir, 'in.yaml'), asYaml(objects));
      writeFileSync(join(caseDir, 'in.json'), asList(objects));
      for (const name of ['in.yaml', 'in.json']) {
        const run = await runCli([name, '--hostname-override', 'node-a'], { cwd: caseDir });
        expect(run.code, name).toBe(0);
        const lines = run.stderr.trim().split('\n');
        expect(lines, name).toHaveLength(c.warnings.length);
        c.warnings.forEach((re, i) => expect(lines[i].startsWith(name), name).toBe(true));
        c.warnings.forEach((re, i) => expect(lines[i], name).toMatch(re));
        expect(run.stdout, name).toMatch(c.rules);
      }
    });
  }

  // Addresses the API server refuses as endpoints or external IPs (ValidateNonSpecialIP), each
  // with the range the warning names; kube-proxy would still program them.
  const specialCases: readonly { family: 'IPv4' | 'IPv6'; address: string; why: string }[] = [
    { family: 'IPv4', address: '0.0.0.0', why: 'may not be unspecified \\(0\\.0\\.0\\.0\\)' },
    { family: 'IPv4', address: '127.0.0.53', why: 'may not be in the loopback range \\(127\\.0\\.0\\.0/8, ::1/128\\)' },
    { family: 'IPv4', address: '169.254.169.254', why: 'may not be in the link-local range \\(169\\.254\\.0\\.0/16, fe80::/10\\)' },
    { family: 'IPv4', address: '224.0.0.251', why: 'may not be in the link-local multicast range \\(224\\.0\\.0\\.0/24, ff02::/10\\)' },
    { family: 'IPv6', address: '::', why: 'may not be unspecified \\(::\\)' },
    { family: 'IPv6', address: '::1', why: 'may not be in the loopback range \\(127\\.0\\.0\\.0/8, ::1/128\\)' },
    { family: 'IPv6', address: 'fe80::1', why: 'may not be in the link-local range \\(169\\.254\\.0\\.0/16, fe80::/10\\)' },
    { family: 'IPv6', address: 'ff02::fb', why: 'may not be in the link-local multicast range \\(224\\.0\\.0\\.0/24, ff02::/10\\)' },
  ];
  it.each(specialCases)('kproxy-compile in.yaml / in.json (endpoint and external IP $address: a warning each, the rules as kube-proxy writes them)', async ({ family, address, why }) => {
    const v6 = family === 'IPv6';
    const objects = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: v6 ? 'fd00::10' : '10.96.0.10', ipFamilies: [family], externalIPs: [address], ports: [{ name: 'http', port: 80 }] } },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: family, endpoints: [{ addresses: [v6 ? 'fd00::1' : '10.0.0.1'] }, { addresses: [address] }], ports: [{ name: 'http', port: 8080 }] },
    ];
    const esc = address.replace(/\./g, '\\.');
    for (const { name, run } of await compileBoth('special', objects, v6 ? ['--family', 'ipv6'] : [])) {
      expect(run.code, name).toBe(0);
      const lines = run.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(2);
      expect(lines[0], name).toMatch(new RegExp(`^${name.replace('.', '\\.')}:\\d+: warning KPC033: Service shop/web: spec\\.externalIPs\\[0\\]: ${esc} ${why}: the API server would reject this, kube-proxy uses it as given$`));
      expect(lines[1], name).toMatch(new RegExp(`^${name.replace('.', '\\.')}:\\d+: warning KPC033: EndpointSlice shop/web-abc: endpoints\\[1\\]\\.addresses\\[0\\]: ${esc} ${why}: the API server would reject this, kube-proxy uses it as given$`));
      const dest = v6 ? `\\[${esc}\\]:8080` : `${esc}:8080`;
      expect(run.stdout, name).toMatch(new RegExp(`^-A KUBE-SEP-\\w+ -p tcp -m comment --comment "shop/web:http" -m tcp -j DNAT --to-destination ${dest}$`, 'm'));
      expect(run.stdout, name).toMatch(new RegExp(`^-A KUBE-SERVICES -d ${esc}/${v6 ? 128 : 32} -p tcp -m comment --comment "shop/web:http external IP" -m tcp --dport 80 -j KUBE-EXT-\\w+$`, 'm'));
    }
  });

  it('kproxy-compile in.json (addresses beside the special ranges are not warned about)', async () => {
    const near = ['1.0.0.1', '126.255.255.255', '128.0.0.1', '169.253.0.1', '169.255.0.1', '224.0.1.1', '223.0.0.1', '0.0.0.1'];
    const objects = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.10', externalIPs: ['192.0.2.7', '224.0.1.1'], ports: [{ name: 'http', port: 80 }] } },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: near.map((a) => ({ addresses: [a] })), ports: [{ name: 'http', port: 8080 }] },
    ];
    for (const { name, run } of await compileBoth('special', objects)) {
      expect(run.code, name).toBe(0);
      expect(run.stderr, name).toBe('');
      for (const a of near) expect(run.stdout, `${name} ${a}`).toContain(`--to-destination ${a}:8080`);
    }
  });

  it('kproxy-compile in.yaml / in.json (what the API server accepts in the fields it checks beside the rules: no diagnostic)', async () => {
    const service = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec });
    const objects = [
      service('named-target', { clusterIP: '10.96.0.11', ports: [{ name: 'a', port: 80, targetPort: 'http-alt' }, { name: 'b', port: 81, targetPort: 8081 }, { name: 'c', port: 82, targetPort: 0 }] }),
      service('dual', { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.0.12', clusterIPs: ['10.96.0.12', 'fd00::12'], ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80 }] }),
      service('single', { ipFamilyPolicy: 'SingleStack', clusterIP: '10.96.0.13', ipFamilies: ['IPv4'], ports: [{ port: 80 }] }),
      service('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      service('external', { type: 'ExternalName', externalName: 'db.example.com.' }),
    ];
    for (const { name, run } of await compileBoth('accepted', objects)) {
      expect(run.code, name).toBe(0);
      expect(run.stderr, name).toBe('');
      for (const ip of ['10.96.0.11', '10.96.0.12', '10.96.0.13']) expect(run.stdout, `${name} ${ip}`).toContain(`-d ${ip}/32`);
      expect(run.stdout, name).not.toContain('shop/headless');
      expect(run.stdout, name).not.toContain('shop/external');
    }
  });

  it('kproxy-compile in.yaml / in.json (objects labelled for another service proxy, or a headless Service\'s slices, are not watched by kube-proxy: skipped)', async () => {
    const proxyLabel = { 'service.kubernetes.io/service-proxy-name': 'other-proxy' };
    const service = (name: string, ip: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop', ...(labels ? { labels } : {}) }, spec: { clusterIP: ip, ports: [{ name: 'http', port: 80 }] } });
    const slice = (name: string, service: string, address: string, labels: Record<string, string> = {}) => ({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': service, ...labels } },
      addressType: 'IPv4', endpoints: [{ addresses: [address] }], ports: [{ name: 'http', port: 8080 }],
    });
    const objects = [
      service('other', '10.96.0.20', proxyLabel), slice('other-a', 'other', '10.0.0.20', proxyLabel), slice('other-b', 'other', '10.0.0.21'),
      service('web', '10.96.0.10'), slice('web-a', 'web', '10.0.0.10'), slice('web-h', 'web', '10.0.0.11', { 'service.kubernetes.io/headless': '' }),
    ];
    for (const { name, run } of await compileBoth('unwatched', objects)) {
      expect(run.code, name).toBe(0);
      expect(run.stderr.trim().split('\n'), name).toEqual(['note KPC035: skipped 1 Service and 1 EndpointSlice labelled service.kubernetes.io/service-proxy-name: kube-proxy does not watch objects with that label, so they get no rules']);
      for (const absent of ['10.96.0.20', '10.0.0.20', '10.0.0.21', '10.0.0.11', 'shop/other']) expect(run.stdout, `${name} ${absent}`).not.toContain(absent);
      expect(run.stdout, name).toContain('--to-destination 10.0.0.10:8080');
    }
  });

  it('kproxy-compile in.yaml (a LoadBalancer with allocateLoadBalancerNodePorts false needs no nodePort: no warning)', async () => {
    const caseDir = mkdtempSync(join(dir, 'alloc-'));
    writeFileSync(join(caseDir, 'in.yaml'), asYaml([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, clusterIP: '10.96.0.10', ports: [{ port: 80 }] } }]));
    const run = await runCli(['in.yaml', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('"shop/web has no endpoints"');
  });

  it('kproxy-compile in.yaml (other kinds are skipped with one note per kind)', async () => {
    const caseDir = mkdtempSync(join(dir, 'note-'));
    writeFileSync(join(caseDir, 'in.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\n');
    const run = await runCli(['in.yaml', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(run.code).toBe(0);
    expect(run.stderr.match(/note KPC005/g)).toHaveLength(1);
    expect(run.stderr).toContain('skipped 2 objects of kind Deployment (apps/v1)');
  });

  it('kproxy-compile DIR / - (no Service and no EndpointSlice in the input: the fixed rules, and a warning naming the input)', async () => {
    const caseDir = mkdtempSync(join(dir, 'empty-'));
    mkdirSync(join(caseDir, 'nothing'));
    for (const [args, stdin, name] of [[['nothing'], '', 'nothing'], [['-'], '', '<stdin>'], [['-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n', '<stdin>']] as const) {
      const run = await runCli([...args, '--hostname-override', 'node-a'], { cwd: caseDir, stdin });
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(`${name}: warning KPC006: holds no Service and no EndpointSlice`);
      expect(run.stdout).toContain(':KUBE-SERVICES - [0:0]');
      expect(run.stdout).not.toContain('-A KUBE-SERVICES -d ');
    }
    writeFileSync(join(caseDir, 'one.yaml'), svc(GOOD_SPEC));
    const some = await runCli(['one.yaml', 'nothing', '--hostname-override', 'node-a'], { cwd: caseDir });
    expect(some.code).toBe(0);
    expect(some.stderr).not.toContain('KPC006');
  });
});
