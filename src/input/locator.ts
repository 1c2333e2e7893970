import { kubeYamlSchema, yaml } from './yaml.js';

/** Finds the 1-based line of a field path inside one of a source's documents. */
export interface LineFinder {
  lineOf(doc: number, path: readonly (string | number)[]): number | undefined;
}

/**
 * Maps field paths of the documents in one source text to 1-based line numbers. Built lazily:
 * only a run that reports a problem pays for the second, position-tracking parse.
 */
export class Locator implements LineFinder {
  private docs: unknown[] | undefined;
  private readonly lines = new WeakMap<object, number>();
  /** The last line of each mapping or list: a key looked for in it is not looked for past it. */
  private readonly ends = new WeakMap<object, number>();
  private textLines: string[] | undefined;

  constructor(private readonly text: string) {}

  private load(): unknown[] {
    if (this.docs) return this.docs;
    const stack: number[] = [];
    try {
      this.docs = yaml().loadAll(this.text, undefined, {
        schema: kubeYamlSchema(),
        json: true, // a repeated key keeps its last value, as in the parse whose values are located
        listener: (event, state) => {
          if (event === 'open') stack.push(state.line);
          else {
            const line = stack.pop() ?? 0;
            const r = state.result as unknown;
            if (r !== null && typeof r === 'object') {
              this.lines.set(r, line);
              this.ends.set(r, Math.max(line, this.lastContentLine(state.position, state.line)));
            }
          }
        },
      });
    } catch {
      this.docs = [];
    }
    this.textLines = this.text.split('\n');
    return this.docs;
  }

  /** Line of `path` inside document `doc`; undefined when the text cannot be mapped. */
  lineOf(doc: number, path: readonly (string | number)[]): number | undefined {
    const docs = this.load();
    let node: unknown = docs[doc];
    let line = node !== null && typeof node === 'object' ? this.lines.get(node) : undefined;
    let end = node !== null && typeof node === 'object' ? this.ends.get(node) : undefined;
    for (let i = 0; i < path.length; i++) {
      if (node === null || typeof node !== 'object') break;
      const key = path[i];
      const child: unknown = (node as Record<string | number, unknown>)[key];
      if (child !== null && typeof child === 'object' && this.lines.has(child)) {
        node = child;
        line = this.lines.get(child);
        end = this.ends.get(child);
        continue;
      }
      if (line === undefined) break;
      // A key or item the object does not have is placed at the object.
      if (typeof key === 'string') return this.findKey(line, key, end ?? line) + 1;
      if (Array.isArray(node)) return this.findItem(line, key, end ?? line) + 1;
      break;
    }
    if (line === undefined && path.length === 0) return this.docStart(doc) + 1;
    return line === undefined ? undefined : line + 1;
  }

  /**
   * The line (0-based) of the last character before `position` that is not white space: where
   * the node the parser has just closed ends (it closes a block node on the next node's line).
   */
  private lastContentLine(position: number, line: number): number {
    let p = Math.min(position, this.text.length) - 1;
    let at = line;
    for (; p >= 0; p--) {
      const c = this.text.charCodeAt(p);
      if (c === 10) at--;
      else if (c !== 32 && c !== 9 && c !== 13) break;
    }
    return at;
  }

  /** The line of the index-th `- ` item of a block list whose key is on line `from`, up to line `to`. */
  private findItem(from: number, index: number, to: number): number {
    const lines = this.textLines ?? [];
    // A flow list that ends its line (`"addresses": [`, as JSON printers write) has an item per line.
    if (/\[\s*$/.test(lines[from] ?? '')) return this.findFlowItem(from, index, to);
    let indent = -1;
    let seen = -1;
    // The list's key line (`- addresses:` in a list of mappings) is not one of its items.
    const start = /:\s*(#.*)?$/.test(lines[from] ?? '') ? from + 1 : from;
    for (let i = start; i < lines.length && i <= to; i++) {
      const m = /^(\s*)- /.exec(lines[i]) ?? /^(\s*)-$/.exec(lines[i]);
      if (!m) continue;
      if (indent < 0) indent = m[1].length;
      if (m[1].length !== indent) continue;
      if (++seen === index) return i;
    }
    return from;
  }

  /** The line of the index-th item of a flow list opened at the end of line `from`: items start at one indent. */
  private findFlowItem(from: number, index: number, to: number): number {
    const lines = this.textLines ?? [];
    let indent = -1;
    let seen = -1;
    for (let i = from + 1; i < lines.length && i <= to; i++) {
      const m = /^(\s*)(\S)/.exec(lines[i]);
      if (!m) continue;
      if (indent < 0) indent = m[1].length;
      if (m[1].length < indent) break;
      if (m[1].length !== indent || m[2] === ']' || m[2] === '}') continue;
      if (++seen === index) return i;
    }
    return from;
  }

  /** First content line of document `doc` in a `---`-separated stream. */
  private docStart(doc: number): number {
    const lines = this.textLines ?? [];
    let current = -1;
    let seenContent = false;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (/^---(\s|$)/.test(l)) {
        current += 1;
        seenContent = false;
        if (current === doc && /^---\s+\S/.test(l)) return i;
        continue;
      }
      if (/^\s*(#.*)?$/.test(l)) continue;
      if (current < 0) current = 0;
      if (!seenContent) {
        seenContent = true;
        if (current === doc) return i;
      }
    }
    return 0;
  }


  /** First line from `from` to `to` (0-based) that holds `key:` as a YAML or JSON key; else `from`. */
  private findKey(from: number, key: string, to: number): number {
    const lines = this.textLines ?? [];
    const esc = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(^\\s*(-\\s+)?|[{,]\\s*)["']?${esc}["']?\\s*:`);
    for (let i = from; i < lines.length && i <= to; i++) if (re.test(lines[i])) return i;
    return from;
  }
}

/**
 * The lines of one value inside a longer text (an object of a JSON stream), numbered as in the
 * whole text. The value's text is decoded only when a line is first asked for.
 */
export class SpanLocator implements LineFinder {
  private inner: Locator | undefined;

  constructor(
    private readonly bytes: Buffer,
    private readonly start: number,
    private readonly end: number,
    /** The 0-based line of the text the value starts on. */
    private readonly firstLine: number,
  ) {}

  lineOf(doc: number, path: readonly (string | number)[]): number | undefined {
    this.inner ??= new Locator(this.bytes.toString('utf8', this.start, this.end));
    const line = this.inner.lineOf(doc, path);
    return line === undefined ? undefined : line + this.firstLine;
  }
}
