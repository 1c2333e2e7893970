import yaml from 'js-yaml';

/**
 * Maps field paths of the documents in one source text to 1-based line numbers. Built lazily:
 * only a run that reports a problem pays for the second, position-tracking parse.
 */
export class Locator {
  private docs: unknown[] | undefined;
  private readonly lines = new WeakMap<object, number>();
  private textLines: string[] | undefined;

  constructor(private readonly text: string) {}

  private load(): unknown[] {
    if (this.docs) return this.docs;
    const stack: number[] = [];
    try {
      this.docs = yaml.loadAll(this.text, undefined, {
        listener: (event, state) => {
          if (event === 'open') stack.push(state.line);
          else {
            const line = stack.pop() ?? 0;
            const r = state.result as unknown;
            if (r !== null && typeof r === 'object') this.lines.set(r, line);
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
    for (let i = 0; i < path.length; i++) {
      if (node === null || typeof node !== 'object') break;
      const key = path[i];
      const child: unknown = (node as Record<string | number, unknown>)[key];
      if (child !== null && typeof child === 'object' && this.lines.has(child)) {
        node = child;
        line = this.lines.get(child);
        continue;
      }
      if (typeof key === 'string' && line !== undefined) return this.findKey(line, key) + 1;
      break;
    }
    return line === undefined ? undefined : line + 1;
  }

  /** First line at or after `from` (0-based) that holds `key:` as a YAML or JSON key. */
  private findKey(from: number, key: string): number {
    const lines = this.textLines ?? [];
    const esc = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(^\\s*(-\\s+)?|[{,]\\s*)["']?${esc}["']?\\s*:`);
    for (let i = from; i < lines.length && i < from + 10000; i++) if (re.test(lines[i])) return i;
    return from;
  }
}
