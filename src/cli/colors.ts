import { Chalk, type ChalkInstance } from 'chalk';
import type { Io } from './io.js';

/** Colour when stdout is a terminal; NO_COLOR and --no-color turn it off, FORCE_COLOR on. */
export function colorsFor(io: Io, noColor: boolean): ChalkInstance {
  const force = io.env.FORCE_COLOR;
  let level: 0 | 1 | 2 | 3 = io.stdoutIsTTY ? 1 : 0;
  if (force !== undefined && force !== '0' && force !== 'false') level = (Math.min(3, Math.max(1, Number(force) || 1)) as 1 | 2 | 3);
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') level = 0;
  if (noColor) level = 0;
  return new Chalk({ level });
}
