import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { familyOf, formatCidr, parseCidr, type Family } from '../util/ip.js';
import type { NodeSettings } from '../settings/nodeSettings.js';
import type { LocalDetector } from './types.js';

function firstCidrOf(list: readonly string[], family: Family): string | undefined {
  for (const t of list) {
    const c = parseCidr(t);
    if (c && familyOf(c.ip) === family) return formatCidr(c);
  }
  return undefined;
}

/** kube-proxy's local-traffic detector for one family; a mode without its input detects nothing. */
export function resolveLocalDetector(s: NodeSettings, family: Family): { detector: LocalDetector; diagnostics: Diagnostic[] } {
  const none = (why?: string) => ({ detector: { kind: 'none' } as const, diagnostics: why ? [diag('KPC032', why, { file: '<settings>' })] : [] });
  switch (s.detectLocalMode) {
    case 'ClusterCIDR': {
      const cidr = firstCidrOf(s.clusterCIDRs, family);
      // No --cluster-cidr is the common "no detector" setup: silent, as in kube-proxy's default.
      return cidr ? { detector: { kind: 'cidr', cidr }, diagnostics: [] } : none(s.clusterCIDRs.length ? `--cluster-cidr has no ${family} CIDR; no local-traffic detector for ${family}` : undefined);
    }
    case 'NodeCIDR': {
      const cidr = firstCidrOf(s.podCIDRs, family);
      return cidr ? { detector: { kind: 'cidr', cidr }, diagnostics: [] } : none(`--detect-local-mode NodeCIDR needs the node's ${family} pod CIDR (a Node object with spec.podCIDRs, or --pod-cidr); no detector is used`);
    }
    case 'BridgeInterface':
      return s.bridgeInterface ? { detector: { kind: 'interface', name: s.bridgeInterface }, diagnostics: [] } : none('--detect-local-mode BridgeInterface needs --pod-bridge-interface; no detector is used');
    case 'InterfaceNamePrefix':
      return s.interfaceNamePrefix ? { detector: { kind: 'interface', name: `${s.interfaceNamePrefix}+` }, diagnostics: [] } : none('--detect-local-mode InterfaceNamePrefix needs --pod-interface-name-prefix; no detector is used');
  }
}
