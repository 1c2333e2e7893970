import { isAscii, isUtf8 } from 'node:buffer';
import { realpathSync } from 'node:fs';
import { readWhole } from '../util/readWhole.js';
import { jsonSyntaxError } from './jsonSyntaxError.js';
import { readdir, stat } from 'node:fs/promises';
import { ioReason } from '../util/ioReason.js';
import { join, relative, isAbsolute } from 'node:path';
import type { YAMLException } from 'js-yaml';
import { kubeYamlSchema, yaml } from './yaml.js';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { Locator, SpanLocator, type LineFinder } from './locator.js';
import { splitJsonStream } from './jsonStream.js';
import { MAX_JSON_DEPTH, splitJsonList, type JsonSpan } from './jsonList.js';
import type { RawObject } from './rawObject.js';
import { repeatedJsonKeys } from './repeatedJsonKeys.js';

export interface InputResult {
  readonly objects: readonly RawObject[];
  readonly diagnostics: readonly Diagnostic[];
}

const MANIFEST = /\.(ya?ml|json)$/i;
/** The key standard input takes among the inputs read (no file's real path is empty). */
const STDIN = '';

/** Where bytes come from: the file system and standard input (injected, so tests need no disk). */
export interface InputHost {
  readonly cwd: string;
  readonly readStdin: () => Promise<Buffer>;
  /** A named file's bytes, by absolute path (default: readWhole). Commands pass one that keeps what a pipe gave, to read it again. */
  readonly readFile?: (abs: string) => Promise<Buffer> | Buffer;
  /** Whether a path names standard input itself (/dev/stdin): it is then read as `-` is, once. */
  readonly isStdin?: (abs: string) => boolean;
}

/**
 * Reads files, directories (recursively: *.yaml, *.yml, *.json, in name order) and `-` (stdin)
 * into raw objects. `kind: List` documents are unpacked into their items.
 */
export async function readInputs(paths: readonly string[], host: InputHost): Promise<InputResult> {
  const objects: RawObject[] = [];
  const diagnostics: Diagnostic[] = [];
  // A file reached twice (given twice, or inside a directory also given, or through a symlink) is
  // read once: its objects are not duplicates of themselves.
  const read = new Set<string>();
  for (const p of paths) {
    const abs = p === '-' ? '' : isAbsolute(p) ? p : join(host.cwd, p);
    if (p === '-' || host.isStdin?.(abs)) {
      // Standard input, by `-` or by a name of its own (/dev/stdin), is read once.
      if (read.has(STDIN)) continue;
      read.add(STDIN);
      const shown = p === '-' ? '<stdin>' : p;
      let bytes: Buffer;
      try {
        bytes = await host.readStdin();
      } catch (e) {
        diagnostics.push(diag('KPC001', `cannot read ${shown}: ${ioReason(e)}`, { file: shown }));
        continue;
      }
      decodeSource(shown, bytes, objects, diagnostics);
      continue;
    }
    let files: string[];
    try {
      files = await expand(abs);
    } catch (e) {
      diagnostics.push(diag('KPC001', `cannot read ${p}: ${ioReason(e)}`, { file: p }));
      continue;
    }
    for (const f of files) {
      const shown = f === abs ? p : join(p, relative(abs, f));
      let real = f;
      try {
        real = realpathSync(f);
      } catch {
        // Unreadable: the read below says why.
      }
      if (read.has(real)) continue;
      read.add(real);
      try {
        // One synchronous read, not a thread-pool round trip per chunk: there is nothing to overlap it with.
        decodeSource(shown, await (host.readFile ?? readWhole)(f), objects, diagnostics);
      } catch (e) {
        diagnostics.push(diag('KPC001', `cannot read ${shown}: ${ioReason(e)}`, { file: shown }));
      }
    }
  }
  return { objects, diagnostics };
}


/** A manifest-named entry that is not a plain file: read when it leads to a file, and when it leads nowhere, so the read names it and says why. */
async function linksToFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return true;
  }
}

async function expand(abs: string): Promise<string[]> {
  const st = await stat(abs);
  if (!st.isDirectory()) return [abs];
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 32) return;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full, depth + 1);
      else if (MANIFEST.test(e.name) && (e.isFile() || (await linksToFile(full)))) out.push(full);
    }
  };
  await walk(abs, 0);
  return out;
}

/** Parses one source's bytes (YAML stream or JSON) and appends its objects. */
export function decodeSource(file: string, bytes: Buffer, objects: RawObject[], diagnostics: Diagnostic[]): void {
  if (bytes.includes(0)) {
    diagnostics.push(diag('KPC003', 'the input contains NUL bytes: it is binary data, not YAML or JSON', { file }));
    return;
  }
  // isUtf8 checks without decoding; ASCII (nearly every manifest) then decodes as latin1, the
  // cheapest way to a string.
  if (!isUtf8(bytes)) {
    diagnostics.push(diag('KPC003', 'the input is not valid UTF-8 text', { file }));
    return;
  }
  const ascii = isAscii(bytes);
  if (ascii && readJsonList(file, bytes, objects)) return;
  let text = bytes.toString(ascii ? 'latin1' : 'utf8');
  // Up to two leading byte order marks are dropped.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const locator = new Locator(text);
  let docs: unknown[];
  const trimmed = text.trimStart();
  if (/\.json$/i.test(file) || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      docs = [JSON.parse(text)];
      warnRepeatedKeys(file, text, 0, diagnostics);
    } catch (e) {
      if (trimmed.startsWith('{') && readJsonStream(file, bytes, objects, diagnostics)) return;
      // Not strict JSON (a trailing comma, an unquoted key): kubectl then reads it as YAML, a
      // superset, whatever the file's name, and so is it read here. When that fails too, the
      // mistake named is YAML's in a file named so, else the JSON one (where it stops being JSON).
      const asYaml: Diagnostic[] = [];
      docs = parseYaml(text, file, asYaml);
      if (asYaml.some((d) => d.severity === 'error') && !/\.ya?ml$/i.test(file)) {
        const found = jsonSyntaxError(text);
        diagnostics.push(diag('KPC002', `invalid JSON: ${found ? found.reason : jsonReason(e)}`, { file, line: found ? lineAt(text, found.offset) : jsonErrorLine(text, e) }));
        return;
      }
      diagnostics.push(...asYaml);
    }
  } else {
    docs = parseYaml(text, file, diagnostics);
  }
  docs.forEach((doc, index) => addDocument(file, doc, index, locator, objects, diagnostics));
}

/**
 * A text of JSON objects one after another, read as kubectl reads it (see splitJsonStream); false
 * when not even its first value is JSON, which kubectl then reads as YAML from the start. After
 * one object, text that is not JSON is read on as YAML; after two or more it is a JSON mistake.
 */
function readJsonStream(file: string, bytes: Buffer, objects: RawObject[], diagnostics: Diagnostic[]): boolean {
  let from = 0;
  // Up to two leading byte order marks, as for any text.
  for (let k = 0; k < 2 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf; k++) from += 3;
  const stream = splitJsonStream(bytes, from);
  if (stream.values.length === 0 || (stream.values.length === 1 && stream.stop === bytes.length)) return false;
  let after: { text: string; docs: unknown[]; diagnostics: Diagnostic[] } | undefined;
  if (stream.stop < bytes.length) {
    const rest = bytes.toString('utf8', stream.stop);
    if (stream.values.length === 1) {
      // The text already read is blanked out, so that lines (and columns) stay where they are.
      const column = bytes.toString('utf8', stream.stopLineStart, stream.stop).length;
      const text = '\n'.repeat(stream.stopLine) + ' '.repeat(column) + rest;
      const asYaml: Diagnostic[] = [];
      const docs = parseYaml(text, file, asYaml);
      after = { text, docs, diagnostics: asYaml };
    }
    const yamlFailed = !after || after.diagnostics.some((d) => d.severity === 'error');
    // As for a whole text: the mistake named is YAML's in a file named so, else the JSON one.
    if (after && yamlFailed && /\.ya?ml$/i.test(file)) {
      diagnostics.push(...after.diagnostics);
      return true;
    }
    if (yamlFailed) {
      const found = jsonSyntaxError(rest);
      // kubectl takes a text that starts with two JSON objects for JSON throughout: a YAML
      // document separator after them is a mistake, and the likely one worth naming.
      const separator = rest.startsWith('---') ? ' (a YAML document separator after JSON objects: a text that starts with two or more JSON objects is read as JSON only)' : '';
      const why = (found ? found.reason : `nested more than ${MAX_JSON_DEPTH} levels deep`) + separator;
      diagnostics.push(diag('KPC002', `invalid JSON: ${why}`, { file, line: stream.stopLine + (found ? lineAt(rest, found.offset) : 1) }));
      return true;
    }
  }
  for (const v of stream.values) {
    const text = bytes.toString('utf8', v.start, v.end);
    const doc: unknown = JSON.parse(text);
    warnRepeatedKeys(file, text, v.line, diagnostics);
    addDocument(file, doc, 0, new SpanLocator(bytes, v.start, v.end, v.line), objects, diagnostics);
  }
  if (after) {
    diagnostics.push(...after.diagnostics);
    const locator = new Locator(after.text);
    after.docs.forEach((doc, index) => addDocument(file, doc, index, locator, objects, diagnostics));
  }
  return true;
}

/**
 * A JSON List's items, each parsed only when first looked at (a reader of the item's bytes may
 * never need to); false when the text is not a well-formed JSON List (see splitJsonList).
 */
function readJsonList(file: string, bytes: Buffer, objects: RawObject[]): boolean {
  const items = splitJsonList(bytes);
  if (!items) return false;
  const list = new ListText(file, bytes);
  items.forEach((json, i) => objects.push(new ListItem(list, json, i)));
  return true;
}

/** What the items of one JSON List share: its file and bytes, and the line map, made when first needed. */
class ListText {
  private locator: Locator | undefined;

  constructor(
    readonly file: string,
    readonly bytes: Buffer,
  ) {}

  lineOf(path: readonly (string | number)[]): number | undefined {
    this.locator ??= new Locator(this.bytes.toString('latin1'));
    return this.locator.lineOf(0, path);
  }
}

/**
 * One item of a JSON List. A class, not an object literal with a getter and a closure: a large
 * List has tens of thousands of items, and each closure and its context would be kept as long as
 * the item is.
 */
class ListItem implements RawObject {
  private parsed: Record<string, unknown> | undefined;

  constructor(
    private readonly list: ListText,
    readonly json: JsonSpan,
    private readonly index: number,
  ) {}

  get file(): string {
    return this.list.file;
  }

  get value(): Record<string, unknown> {
    return (this.parsed ??= JSON.parse(this.list.bytes.toString('latin1', this.json.start, this.json.end)) as Record<string, unknown>);
  }

  locate(path: readonly (string | number)[]): number | undefined {
    return this.list.lineOf(['items', this.index, ...path]);
  }

  release(): void {
    this.parsed = undefined;
  }
}

function jsonReason(e: unknown): string {
  return String((e as Error).message).replace(/ in JSON at position \d+.*$/, '').replace(/\s+/g, ' ');
}

/** The 1-based line of an offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The 1-based line of a JSON.parse error, from the position it names. */
function jsonErrorLine(text: string, e: unknown): number | undefined {
  const m = / at position (\d+)/.exec(String((e as Error).message));
  return m ? lineAt(text, Number(m[1])) : undefined;
}

/**
 * Where js-yaml stopped and why, in one line. Only js-yaml's own exception says something about
 * the text: anything else thrown while loading is a fault here, and goes on up as one.
 */
function yamlError(e: unknown): { reason: string; line?: number; position?: number } {
  if (!(e instanceof yaml().YAMLException)) throw e;
  const err = e as YAMLException;
  return { reason: (err.reason || err.message).replace(/\s+/g, ' '), line: err.mark ? err.mark.line + 1 : undefined, position: err.mark?.position };
}

function parseYaml(text: string, file: string, diagnostics: Diagnostic[]): unknown[] {
  try {
    return yaml().loadAll(text, undefined, { json: false, schema: kubeYamlSchema() });
  } catch (e) {
    const { reason, line, position } = yamlError(e);
    if (reason === 'duplicated mapping key') {
      // kubectl (go-yaml v2) keeps the last value of a repeated key, and so does the API object it
      // creates; read the text that way, and say where each repetition is.
      const docs = parseYamlLastKeyWins(text, file, diagnostics);
      if (docs) for (const r of repeatedKeys(text, line, position)) diagnostics.push(diag('KPC007', r.message, { file, line: r.line }));
      return docs ?? [];
    }
    diagnostics.push(diag('KPC002', `invalid YAML: ${reason}`, { file, line }));
    return [];
  }
}

/** The key written at `position` (where js-yaml reports a repeated key) and where its text ends, when it is a simple one. */
function repeatedKey(text: string, position: number): { key: string; end: number } | undefined {
  const m = /^(?:"([^"\\\n]*)"|'([^'\n]*)'|([^\s:,?{}[\]"'#][^:,{}\n]*?))[ \t]*:/.exec(text.slice(position, position + 300));
  if (!m) return undefined;
  if (m[1] !== undefined) return { key: m[1], end: position + 1 + m[1].length };
  if (m[2] !== undefined) return { key: m[2], end: position + 1 + m[2].length };
  return { key: m[3], end: position + m[3].length };
}

/** At most this many repeated keys are named one by one. */
const REPEATS_NAMED = 20;

/**
 * A KPC007 warning for each key repeated in a JSON object of `text` (one JSON value), which
 * starts on the 0-based line `firstLine` of the file: the first REPEATS_NAMED by name, then one
 * for the rest.
 */
function warnRepeatedKeys(file: string, text: string, firstLine: number, diagnostics: Diagnostic[]): void {
  const repeated = repeatedJsonKeys(text);
  if (repeated.length === 0) return;
  let line = firstLine + 1;
  let at = 0;
  const lineOf = (offset: number): number => {
    for (; at < offset; at++) if (text.charCodeAt(at) === 10) line++;
    return line;
  };
  // Past REPEATS_NAMED, one more warning stands for the rest (when there is more than one).
  const named = repeated.length > REPEATS_NAMED + 1 ? REPEATS_NAMED : repeated.length;
  for (const r of repeated.slice(0, named)) {
    diagnostics.push(diag('KPC007', `key ${JSON.stringify(r.key)} appears a second time in its object: the last value is used, as kubectl reads it`, { file, line: lineOf(r.offset) }));
  }
  if (named < repeated.length) {
    const next = repeated[named];
    diagnostics.push(diag('KPC007', `${repeated.length - named} more keys appear a second time in their objects, from key ${JSON.stringify(next.key)} on (only the first ${REPEATS_NAMED} are named): the last value of each is used, as kubectl reads it`, { file, line: lineOf(next.offset) }));
  }
}

/**
 * Every repeated key of a text js-yaml refused for one at `line`/`position`: each found is given a
 * name of its own in a copy of the text (no line moves), which is then read again for the next.
 */
function repeatedKeys(text: string, line: number | undefined, position: number | undefined): { line?: number; message: string }[] {
  const out: { line?: number; message: string }[] = [];
  let probe = text;
  for (let n = 0; ; n++) {
    const found = position === undefined ? undefined : repeatedKey(probe, position);
    const what = found === undefined ? 'a mapping key' : `key ${JSON.stringify(found.key)}`;
    if (n === REPEATS_NAMED) {
      out.push({ line, message: `${what} and maybe more keys appear a second time in their mappings (only the first ${REPEATS_NAMED} are named): the last value of each is used, as kubectl reads it` });
      return out;
    }
    out.push({ line, message: `${what} appears a second time in its mapping: the last value is used, as kubectl reads it` });
    // A key that cannot be renamed in place (a complex one) ends the search.
    if (found === undefined) return out;
    probe = `${probe.slice(0, found.end)}\u2063${n}${probe.slice(found.end)}`;
    try {
      yaml().loadAll(probe, undefined, { json: false, schema: kubeYamlSchema() });
      return out;
    } catch (e) {
      const next = yamlError(e);
      if (next.reason !== 'duplicated mapping key') return out;
      ({ line, position } = next);
    }
  }
}

function parseYamlLastKeyWins(text: string, file: string, diagnostics: Diagnostic[]): unknown[] | undefined {
  try {
    return yaml().loadAll(text, undefined, { json: true, schema: kubeYamlSchema() });
  } catch (e) {
    const { reason, line } = yamlError(e);
    diagnostics.push(diag('KPC002', `invalid YAML: ${reason}`, { file, line }));
    return undefined;
  }
}

function addDocument(file: string, doc: unknown, index: number, locator: LineFinder, objects: RawObject[], diagnostics: Diagnostic[]): void {
  if (doc === null || doc === undefined) return; // an empty document between `---` lines
  const locate = (prefix: readonly (string | number)[]) => (path: readonly (string | number)[]) => locator.lineOf(index, [...prefix, ...path]);
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    diagnostics.push(diag('KPC004', `expected a Kubernetes object (a mapping with apiVersion and kind), found ${Array.isArray(doc) ? 'a list' : typeof doc}`, { file, line: locator.lineOf(index, []) }));
    return;
  }
  const obj = doc as Record<string, unknown>;
  const kind = obj.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(obj.items)) {
    obj.items.forEach((item, i) => {
      const at = locate(['items', i]);
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        diagnostics.push(diag('KPC004', `items[${i}] is not a Kubernetes object`, { file, line: at([]) }));
        return;
      }
      objects.push({ value: item as Record<string, unknown>, file, locate: at });
    });
    return;
  }
  objects.push({ value: obj, file, locate: locate([]) });
}
