// Where the time of one run goes: the pipeline's stages timed in one process, as the CLI runs
// them (from dist/, so `npm run build` first). Prints one JSON object: { phases: [[name, seconds]...] }.
//   node bench/phases.mjs compile CLUSTER.json OPTIONS-AS-JSON
//   node bench/phases.mjs diff OLD.json NEW.json OPTIONS-AS-JSON
// OPTIONS are the command line's, as its parser names them: {"hostnameOverride":"node-0","nodeIp":["192.168.0.10"]}.
// Garbage collection is not a phase of its own: it runs inside whichever stage allocates.
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const load = (p) => import(join(dist, p));
const [{ readInputs }, { decodeObjects }, { resolveSettings }, { buildModel }, { writeRestoreOutput }, { loadNodeView }, { lowerPair }, { stateFromRuleset }, { diffAnnotated }, { commonOptions }] = await Promise.all([
  load('input/readInputs.js'), load('k8s/decodeObjects.js'), load('settings/resolveSettings.js'), load('model/buildModel.js'),
  load('backends/iptables/renderRestore.js'), load('cli/loadNodeView.js'), load('diff/lowerPair.js'), load('diff/ruleState.js'), load('diff/diffStates.js'),
  load('cli/commonOptions.js'),
]);

const phases = [];
let last = 0;
/** Ends a phase: the time since the one before (the first one since the process started). */
const mark = (name) => {
  const now = performance.now();
  phases.push([name, (now - last) / 1000]);
  last = now;
};
// The stages are imported from dist/ one module at a time, not from the bundle the binary runs
// (it exports only the CLI), so this stage is some 30 ms longer than the binary's start.
mark('start and load modules (unbundled)');

const [what, ...rest] = process.argv.slice(2);
const host = { cwd: process.cwd(), readStdin: async () => Buffer.alloc(0) };
const fail = (why) => {
  process.stderr.write(`phases: ${why}\n`);
  process.exit(1);
};

if (what === 'compile') {
  const [input, optionsJson] = rest;
  const common = commonOptions(JSON.parse(optionsJson)).options;
  const read = await readInputs([input], host);
  mark('read and split the input');
  const decoded = decodeObjects(read.objects, {});
  mark('decode and validate objects');
  const settings = resolveSettings({ ...common.flags, family: common.family }, decoded.cluster.proxyConfigs, decoded.cluster.nodes, common.backend);
  const built = buildModel(decoded.cluster, settings.settings, {});
  if (!built.model || settings.diagnostics.length + built.diagnostics.length + decoded.diagnostics.length) fail('the input does not compile without diagnostics');
  mark('node model');
  let bytes = 0;
  writeRestoreOutput(built.model, (chunk) => { bytes += chunk.length; });
  mark('lower and render (restore)');
  if (bytes === 0) fail('nothing rendered');
} else if (what === 'diff') {
  const [oldPath, newPath, optionsJson] = rest;
  const common = commonOptions(JSON.parse(optionsJson)).options;
  const req = (path) => ({ paths: [path], ...common });
  const next = await loadNodeView(req(newPath), host, { record: true });
  mark('load NEW (read, decode, model)');
  const old = await loadNodeView(req(oldPath), host, { from: next.base });
  mark('load OLD against NEW');
  if (!old.model || !next.model || old.diagnostics.length + next.diagnostics.length) fail('the inputs do not compile without diagnostics');
  const pair = lowerPair(old.model, next.model, 'diff');
  mark('lower the changed services');
  const keys = new Map();
  const built = new Map();
  const a = stateFromRuleset(pair.oldRules, { keys, built });
  const b = stateFromRuleset(pair.newRules, { keys, built });
  mark('rule states');
  const result = diffAnnotated(a, b);
  mark('compare and annotate');
  const json = JSON.stringify({ summary: result.summary, changes: result.changes }, null, 2);
  mark('report (json)');
  if (json.length === 0) fail('no report');
} else {
  fail('usage: phases.mjs compile CLUSTER FLAGS | diff OLD NEW FLAGS');
}
process.stdout.write(`${JSON.stringify({ phases, totalS: last / 1000 })}\n`);
