import { CODES, type Code } from './codes.js';

export type Severity = 'error' | 'warning' | 'note';

/** A problem found in the input or the settings: data, never an exception. */
export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  /** File path (or `<stdin>`, `<flags>`) and 1-based line, when known. */
  readonly file?: string;
  readonly line?: number;
  /** The Kubernetes object, e.g. `Service ns1/svc1`. */
  readonly object?: string;
  /** The field path inside the object, e.g. `spec.ports[0].port`. */
  readonly field?: string;
}

/** Builds a diagnostic whose severity comes from the code table. */
export function diag(code: Code, message: string, where: Omit<Diagnostic, 'code' | 'severity' | 'message'> = {}): Diagnostic {
  return { code, severity: CODES[code].severity, message, ...where };
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** `file:line: error KPC012: Service ns/x: metadata.name: text` — one line per diagnostic. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}` : ''}: ` : '';
  const subject = [d.object, d.field].filter(Boolean).join(': ');
  return visible(`${where}${d.severity} ${d.code}: ${subject ? `${subject}: ` : ''}${d.message}`);
}

const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r' };

/** One line, whatever a path or value held: control characters are written as escapes. */
function visible(line: string): string {
  return line.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
