import type { Match, Rule, Target } from '../../ir/iptables.js';
import { tokenize } from './tokenize.js';
import { restoreRuleLine } from './writeRestoreRule.js';
import { saveRuleLine } from './writeSaveRule.js';

/** Quotes an argument the way the tokenizer reads it back: only when it must be. */
function quoteArg(a: string): string {
  if (a !== '' && !/[\s"]/.test(a)) return a;
  return `"${a.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A rule kept as its text: `args` are the tokens of a `-A CHAIN …` line and `from` the index of
 * the first argument after the chain. The text is the arguments re-joined with single spaces and
 * the fewest quotes, so two lines that tokenize alike get the same text (and compare equal).
 */
export function opaqueRule(chain: string, args: readonly string[], from: number): Rule {
  const rest = args.slice(from);
  const matches: Match[] = [];
  let target: Target | undefined;
  for (let i = 0; i + 1 < rest.length; i++) {
    if (rest[i] === '--comment' && matches.length === 0) matches.push({ kind: 'comment', text: rest[i + 1] });
    else if ((rest[i] === '-j' || rest[i] === '--jump') && target === undefined) target = { kind: 'jump', chain: rest[i + 1] };
  }
  const opaque = rest.map(quoteArg).join(' ');
  return target ? { chain, matches, target, opaque } : { chain, matches, opaque };
}

/** True when `line` (its tokens are `args`) has exactly the arguments of `spelt`, a rendered line. */
function sameArguments(spelt: string, line: string, args: readonly string[], from: number): boolean {
  if (spelt === line) return true;
  const own = tokenize(spelt);
  if (!own || own.length - 2 !== args.length - from) return false;
  for (let i = 2; i < own.length; i++) if (own[i] !== args[from + i - 2]) return false;
  return true;
}

/**
 * True when the typed `rule` spells back the line it was read from, in the iptables-save view of
 * either family or in kube-proxy's payload spelling. The parser reads kube-proxy's vocabulary and
 * skips what does not change meaning for kube-proxy's own rules (a `--reject-with` value, the
 * `-m recent --mask`); a line it read with a loss does not spell back, and is kept as text.
 */
export function spellsBack(rule: Rule, line: string, args: readonly string[], from: number): boolean {
  const save = saveRuleLine(rule, false);
  if (save === line) return true;
  const restore = restoreRuleLine(rule);
  if (restore === line) return true;
  const save6 = saveRuleLine(rule, true);
  return sameArguments(save6, line, args, from) || sameArguments(save, line, args, from) || sameArguments(restore, line, args, from);
}
