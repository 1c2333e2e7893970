import { formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Io } from './io.js';

export const EXIT_OK = 0;
export const EXIT_DIFFERENT = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** Prints diagnostics to stderr, one line each; returns true when any is an error. */
export function report(io: Io, diagnostics: readonly Diagnostic[]): boolean {
  for (const d of diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
  return hasErrors(diagnostics);
}
