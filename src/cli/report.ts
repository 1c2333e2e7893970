import { formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Io } from './io.js';

export const EXIT_OK = 0;
export const EXIT_DIFFERENT = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/**
 * Prints diagnostics to stderr, one line each, and each line once (a diff reads its settings for
 * both sides, and the same warning would come twice); returns true when any is an error.
 */
export function report(io: Io, diagnostics: readonly Diagnostic[]): boolean {
  const said = new Set<string>();
  for (const d of diagnostics) {
    const line = formatDiagnostic(d);
    if (said.has(line)) continue;
    said.add(line);
    io.stderr(`${line}\n`);
  }
  return hasErrors(diagnostics);
}
