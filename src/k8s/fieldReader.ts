import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Code } from '../diagnostics/codes.js';
import { pathText, type RawObject } from '../input/rawObject.js';

export type Path = readonly (string | number)[];

/**
 * The value at `path`, or undefined. A value on the way that cannot hold the next step (a string
 * where a mapping belongs, a mapping where a list does) is handed to `bad` with its depth.
 */
function walk(root: unknown, path: Path, bad?: (depth: number, v: unknown) => void): unknown {
  let v = root;
  for (let i = 0; i < path.length; i++) {
    if (v === null || v === undefined) return undefined;
    const k = path[i];
    if (typeof v !== 'object' || Array.isArray(v) !== (typeof k === 'number')) {
      bad?.(i, v);
      return undefined;
    }
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  // YAML's .nan and .inf (and JSON's 1e400) are numbers with no digits to show.
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'not-a-number (.nan)' : `an infinite number (${v < 0 ? '-' : ''}.inf)`;
  return `${typeof v} ${String(v)}`;
}

/** The typed accessors, over what `get` and `report` mean for a whole object or a part of one. */
export abstract class Fields {
  abstract get(path: Path): unknown;
  abstract report(code: Code, path: Path, message: string): void;
  /**
   * Reports that the value at `path` has the wrong type, once per path: a wrong container is
   * met again by every read below it, and it is one problem.
   */
  abstract wrongType(path: Path, message: string): void;

  /** A mapping (or list) at `path`, as the next step of a read wants; undefined when absent or not one. */
  protected wrongContainer(path: Path, depth: number, v: unknown): void {
    this.wrongType(path.slice(0, depth), `must be ${typeof path[depth] === 'number' ? 'a list' : 'a mapping'}, found ${typeName(v)}`);
  }

  /**
   * Fields of the value at `path` (a list item, say), with paths relative to it. Loops over long
   * lists use it so each access walks one level rather than the whole path from the root, and a
   * full path is only built when something is reported.
   */
  at(path: Path): Fields {
    return new ScopedFields(this, path, this.get(path));
  }

  string(path: Path, required = false): string | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) {
      if (required) this.report('KPC011', path, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') {
      this.wrongType(path, `must be a string, found ${typeName(v)}`);
      return undefined;
    }
    return v;
  }

  integer(path: Path, required = false): number | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) {
      if (required) this.report('KPC011', path, 'is required');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      this.wrongType(path, `must be an integer, found ${typeName(v)}`);
      return undefined;
    }
    return v;
  }

  boolean(path: Path): boolean | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.wrongType(path, `must be true or false, found ${typeName(v)}`);
      return undefined;
    }
    return v;
  }

  list(path: Path): readonly unknown[] {
    const v = this.get(path);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.wrongType(path, `must be a list, found ${typeName(v)}`);
      return [];
    }
    return v;
  }

  mapping(path: Path): Readonly<Record<string, unknown>> | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.wrongType(path, `must be a mapping, found ${typeName(v)}`);
      return undefined;
    }
    return v as Record<string, unknown>;
  }

  /**
   * Whether the field lists nothing: absent, null or an empty list. A value of another type is
   * not "nothing" (it has its own message), so a caller's "must list at least one" stays silent.
   */
  listsNothing(path: Path): boolean {
    const v = this.get(path);
    return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  }

  /** A mapping that must be there (a list item): null or anything else is reported. */
  requiredMapping(path: Path): Readonly<Record<string, unknown>> | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) {
      this.wrongType(path, `must be a mapping, found ${typeName(v ?? null)}`);
      return undefined;
    }
    return this.mapping(path);
  }

  /** A string that must be one of `allowed`; `fallback` when absent. */
  oneOf<T extends string>(path: Path, allowed: readonly T[], fallback: T, code: Code = 'KPC018'): T {
    const v = this.string(path);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.report(code, path, `must be one of ${allowed.join(', ')}, found ${JSON.stringify(v)}`);
      return fallback;
    }
    return v as T;
  }

  /** A port number 1..65535 (or 0..65535 when `zeroOk`). */
  port(path: Path, required: boolean, zeroOk = false): number | undefined {
    const v = this.integer(path, required);
    if (v === undefined) return undefined;
    if (v < (zeroOk ? 0 : 1) || v > 65535) {
      this.report('KPC015', path, `must be between ${zeroOk ? 0 : 1} and 65535, found ${v}`);
      return undefined;
    }
    return v;
  }
}

/**
 * Typed, path-aware access to one raw object's fields. Every mismatch becomes a diagnostic that
 * names the object, the field and its line; accessors return undefined instead of throwing.
 */
export class FieldReader extends Fields {
  readonly diagnostics: Diagnostic[] = [];
  private readonly typed = new Set<string>();
  constructor(readonly raw: RawObject, public object: string) {
    super();
  }

  get(path: Path): unknown {
    return walk(this.raw.value, path, (depth, v) => this.wrongContainer(path, depth, v));
  }

  wrongType(path: Path, message: string): void {
    const key = pathText(path);
    if (this.typed.has(key)) return;
    this.typed.add(key);
    this.report('KPC010', path, message);
  }

  report(code: Code, path: Path, message: string): void {
    this.diagnostics.push(diag(code, message, { file: this.raw.file, line: this.raw.locate(path), object: this.object, field: path.length ? pathText(path) : undefined }));
  }
}

/** Fields.at's view: reads below `value`, reports through its parent with the full path. */
class ScopedFields extends Fields {
  constructor(private readonly parent: Fields, private readonly base: Path, private readonly value: unknown) {
    super();
  }

  get(path: Path): unknown {
    return walk(this.value, path, (depth, v) => this.wrongContainer(path, depth, v));
  }

  report(code: Code, path: Path, message: string): void {
    this.parent.report(code, [...this.base, ...path], message);
  }

  wrongType(path: Path, message: string): void {
    this.parent.wrongType([...this.base, ...path], message);
  }
}
