import type { Severity } from './diagnostic.js';

/** The one table of diagnostic codes; docs/diagnostics.md mirrors it. Codes are stable. */
export const CODES = {
  KPC001: { severity: 'error', summary: 'a path cannot be read' },
  KPC002: { severity: 'error', summary: 'YAML or JSON syntax error' },
  KPC003: { severity: 'error', summary: 'input is not UTF-8 text (binary data)' },
  KPC004: { severity: 'error', summary: 'a document is not a Kubernetes object (not a mapping, or no kind/apiVersion)' },
  KPC005: { severity: 'note', summary: 'an object of another kind was skipped' },
  KPC006: { severity: 'warning', summary: 'the input holds no Service and no EndpointSlice (the rules are only the fixed ones)' },
  KPC007: { severity: 'warning', summary: 'a YAML mapping has the same key twice: the last value is used, as kubectl reads it' },
  KPC010: { severity: 'error', summary: 'a field has the wrong type' },
  KPC011: { severity: 'error', summary: 'a required field is missing' },
  KPC012: { severity: 'error', summary: 'a name violates the Kubernetes naming rules' },
  KPC013: { severity: 'error', summary: 'an IP address is invalid' },
  KPC014: { severity: 'error', summary: 'a CIDR is invalid' },
  KPC015: { severity: 'error', summary: 'a port number is out of range' },
  KPC016: { severity: 'error', summary: 'a protocol is not TCP, UDP or SCTP' },
  KPC017: { severity: 'error', summary: 'a Service type is invalid' },
  KPC018: { severity: 'error', summary: 'a field has a value outside its allowed set' },
  KPC019: { severity: 'error', summary: 'the same object appears twice, or a port name, port or nodePort within one object' },
  KPC020: { severity: 'error', summary: 'fields contradict each other' },
  KPC030: { severity: 'warning', summary: 'an EndpointSlice belongs to no Service in the input (kube-proxy ignores it)' },
  KPC031: { severity: 'warning', summary: 'an EndpointSlice has no kubernetes.io/service-name label (kube-proxy ignores it)' },
  KPC032: { severity: 'warning', summary: 'input is accepted by kube-proxy but ignored for the rules' },
  KPC033: { severity: 'warning', summary: 'a field the API server would reject, used as kube-proxy would use it' },
  KPC034: { severity: 'warning', summary: 'a field the API server allocates is not set: the rules that need its value are left out' },
  KPC035: { severity: 'note', summary: 'a Service or EndpointSlice kube-proxy does not watch (service-proxy-name or headless label) was skipped' },
  KPC040: { severity: 'error', summary: 'a command-line option is invalid' },
  KPC041: { severity: 'error', summary: 'the kube-proxy configuration is invalid' },
  KPC042: { severity: 'warning', summary: 'the kube-proxy configuration has a field that is ignored here or by kube-proxy' },
  KPC050: { severity: 'error', summary: 'a rules dump is not valid iptables-save / iptables-restore text' },
  KPC052: { severity: 'error', summary: 'an ipvsadm or ipset dump is not valid' },
  KPC053: { severity: 'warning', summary: 'a rules dump is of the other IP family than the one compared' },
  KPC054: { severity: 'warning', summary: 'a rules dump holds no rules at all' },
  KPC060: { severity: 'error', summary: 'a churn timeline is invalid' },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type Code = keyof typeof CODES;
