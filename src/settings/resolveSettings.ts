import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { RawObject } from '../input/rawObject.js';
import type { NodeObject } from '../k8s/types.js';
import { fromProxyConfig } from './fromProxyConfig.js';
import { DEFAULT_SETTINGS, type NodeSettings } from './nodeSettings.js';

/**
 * Layers node settings: defaults, then the local Node object (labels, InternalIPs, pod CIDRs),
 * then KubeProxyConfiguration documents in order, then command-line flags. `backend`: see
 * fromProxyConfig.
 */
export function resolveSettings(flags: Partial<NodeSettings>, configs: readonly RawObject[], nodes: readonly NodeObject[], backend?: string): { settings: NodeSettings; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let fromConfigs: Partial<NodeSettings> = {};
  for (const c of configs) {
    const r = fromProxyConfig(c, backend);
    diagnostics.push(...r.diagnostics);
    fromConfigs = { ...fromConfigs, ...r.settings };
  }
  const nodeName = flags.nodeName ?? fromConfigs.nodeName ?? (nodes.length === 1 ? nodes[0].name : '');
  const node = nodes.find((n) => n.name === nodeName);
  if (!nodeName) diagnostics.push(diag('KPC032', 'no node name is set (--hostname-override, or a single Node object in the input): no endpoint counts as local to this node', { file: '<settings>' }));
  const fromNode: Partial<NodeSettings> = node ? { nodeLabels: node.labels, podCIDRs: node.podCIDRs, ...(node.hostIPs.length ? { nodeIPs: node.hostIPs } : {}) } : {};
  const settings: NodeSettings = { ...DEFAULT_SETTINGS, ...fromNode, ...fromConfigs, ...flags, nodeName };
  return { settings, diagnostics };
}
