import { isAbsolute, join } from 'node:path';
import { diag, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { decodeSource, readInputs, type InputHost } from '../input/readInputs.js';
import type { RawObject } from '../input/rawObject.js';
import { decodeObjects, type Cluster, type DecodedItem } from '../k8s/decodeObjects.js';
import { decodedTwins } from '../k8s/decodedTwins.js';
import { buildModel, type ModelReuse } from '../model/buildModel.js';
import type { NodeModel } from '../model/types.js';
import type { Family } from '../util/ip.js';
import { resolveSettings } from '../settings/resolveSettings.js';
import { shownName } from './sideInput.js';
import type { NodeSettings } from '../settings/nodeSettings.js';
import { ioReason } from '../util/ioReason.js';
import { readWhole } from '../util/readWhole.js';

/** Reads a --config file: a KubeProxyConfiguration, or the kube-proxy ConfigMap holding one. */
async function readConfigFile(path: string, host: InputHost): Promise<{ configs: RawObject[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const objects: RawObject[] = [];
  // `--config -` is standard input (the kube-proxy ConfigMap piped from kubectl).
  const file = path === '-' ? '<stdin>' : path;
  let bytes: Buffer;
  try {
    bytes = path === '-' ? await host.readStdin() : await (host.readFile ?? readWhole)(isAbsolute(path) ? path : join(host.cwd, path));
  } catch (e) {
    return { configs: [], diagnostics: [diag('KPC001', `cannot read --config ${file}: ${ioReason(e)}`, { file })] };
  }
  decodeSource(file, bytes, objects, diagnostics);
  const configs: RawObject[] = [];
  for (const o of objects) {
    if (o.value.kind === 'KubeProxyConfiguration') configs.push(o);
    else if (o.value.kind === 'ConfigMap' && o.value.data && typeof o.value.data === 'object') {
      const lines = bytes.toString('utf8').split('\n');
      for (const [key, text] of Object.entries(o.value.data as Record<string, unknown>)) {
        if (typeof text !== 'string' || !/kind:\s*KubeProxyConfiguration/.test(text)) continue;
        const inner: RawObject[] = [];
        const found: Diagnostic[] = [];
        // A literal block (`key: |`) keeps its lines: line L of the text is line L past the key's,
        // so problems are named at the file's own line. Any other spelling names the data key.
        const at = o.locate(['data', key]);
        const literal = at !== undefined && /:\s*\|[-+0-9]*\s*(#.*)?$/.test(lines[at - 1] ?? '');
        decodeSource(literal ? file : `${file} (data.${key})`, Buffer.from(text), inner, found);
        const shift = (line: number | undefined) => (literal && line !== undefined ? line + at! : line);
        for (const d of found) diagnostics.push(d.line === undefined ? d : { ...d, line: shift(d.line) });
        for (const c of inner) configs.push({ ...c, locate: (field) => shift(c.locate(field)) });
      }
    }
  }
  if (!configs.length && !hasErrors(diagnostics)) diagnostics.push(diag('KPC041', 'holds no KubeProxyConfiguration (nor a ConfigMap with one)', { file: path === '-' ? '<stdin>' : path }));
  return { configs, diagnostics };
}

/**
 * kube-proxy reads one configuration: a second in the input (or in the --config file, say two
 * keys of its ConfigMap) leaves unclear which one the node runs with, so it is an error each.
 */
function oneConfig(configs: readonly RawObject[], diagnostics: Diagnostic[]): void {
  if (configs.length < 2) return;
  const first = configs[0];
  for (const c of configs.slice(1)) {
    diagnostics.push(diag('KPC041', `is a second KubeProxyConfiguration (the first is at ${first.file}:${first.locate([]) ?? '?'}); kube-proxy reads one, so which applies is unclear: keep one`, { file: c.file, line: c.locate([]) }));
  }
}

export interface NodeViewRequest {
  readonly paths: readonly string[];
  readonly flags: Partial<NodeSettings>;
  readonly configFile?: string;
  readonly family: Family;
  /** The backend the rules are compiled for, to check a configuration's `mode` against. */
  readonly backend?: string;
}

/**
 * What one load leaves for loading a second state of the same cluster (a diff's other side): the
 * decoded items and the model's per-Service parts, taken over where the second input is the same.
 */
export interface NodeViewBase {
  /** The decoded form of an item with the same bytes as one of this load's (see decodedTwins). */
  readonly twin: (raw: RawObject) => DecodedItem | undefined;
  /** The files this load read items from. */
  readonly files: ReadonlySet<string>;
  readonly model?: ModelReuse;
}

/** Reads and decodes in its own frame, so the raw objects (the bulk of a large input) can be freed before the model is built. */
async function readAndDecode(paths: readonly string[], host: InputHost, diagnostics: Diagnostic[], share?: { from?: NodeViewBase; record?: boolean }): Promise<ReturnType<typeof decodeObjects> & { twins?: Pick<NodeViewBase, 'twin' | 'files'> }> {
  const input = await readInputs(paths, host);
  diagnostics.push(...input.diagnostics);
  const items = share?.record ? new Map<RawObject, DecodedItem>() : undefined;
  const decoded = decodeObjects(input.objects, { twin: share?.from?.twin, record: items });
  diagnostics.push(...decoded.diagnostics);
  // An empty directory, or a command that failed before piping its output in, gives no Service:
  // the rules are then kube-proxy's fixed chains alone, which is worth saying.
  if (!decoded.cluster.services.length && !decoded.cluster.slices.length && !hasErrors(diagnostics)) {
    const one = paths.length === 1 ? shownName(paths[0]) : undefined;
    diagnostics.push(diag('KPC006', `${one ? 'holds' : `the ${paths.length} paths hold`} no Service and no EndpointSlice: the rules are only kube-proxy's fixed chains`, one ? { file: one } : {}));
  }
  // The lookup keeps byte spans and decoded objects, not the raw objects (nor their parsed values).
  const twins = items && { twin: decodedTwins(items), files: new Set([...items.keys()].map((r) => r.file)) };
  return { ...decoded, twins };
}

/**
 * input -> k8s -> settings -> model: everything up to the backend, with all diagnostics. With
 * `share.record`, the result carries a base for a second load; with `share.from`, this load takes
 * over what it has in common with such a base. Shared objects name the base's files, so a caller
 * whose load reports a problem naming one of `base.files` loads again without it.
 */
export async function loadNodeView(req: NodeViewRequest, host: InputHost, share?: { readonly from?: NodeViewBase; readonly record?: boolean }): Promise<{ model?: NodeModel; settings?: NodeSettings; cluster?: Cluster; base?: NodeViewBase; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const decoded = await readAndDecode(req.paths, host, diagnostics, share);
  const configs = [...decoded.cluster.proxyConfigs];
  oneConfig(configs, diagnostics);
  if (req.configFile) {
    const c = await readConfigFile(req.configFile, host);
    diagnostics.push(...c.diagnostics);
    oneConfig(c.configs, diagnostics);
    configs.push(...c.configs);
  }
  const resolved = resolveSettings({ ...req.flags, family: req.family }, configs, decoded.cluster.nodes, req.backend);
  // Once the input has failed, a warning about the settings it did not get to give (say, no node
  // name, which a Node object in the input can set) is noise beside the errors.
  const inputFailed = hasErrors(diagnostics);
  diagnostics.push(...(inputFailed ? resolved.diagnostics.filter((d) => d.severity === 'error') : resolved.diagnostics));
  if (hasErrors(diagnostics)) return { diagnostics };
  const built = buildModel(decoded.cluster, resolved.settings, { reuse: share?.from?.model, record: share?.record });
  diagnostics.push(...built.diagnostics);
  const base = decoded.twins && { ...decoded.twins, model: built.reuse };
  return { model: built.model, settings: resolved.settings, cluster: decoded.cluster, base, diagnostics };
}
