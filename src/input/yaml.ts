import { createRequire } from 'node:module';

type JsYaml = typeof import('js-yaml');
type Schema = import('js-yaml').Schema;

let loaded: JsYaml | undefined;
let schema: Schema | undefined;

/** js-yaml, loaded on first use: JSON input never needs it, and loading it is a noticeable share of start-up. */
export function yaml(): JsYaml {
  return (loaded ??= createRequire(import.meta.url)('js-yaml') as JsYaml);
}

/*
 * kubectl (and kube-proxy for its configuration) turn YAML into JSON with go-yaml v2, which reads
 * plain scalars the YAML 1.1 way, not js-yaml's YAML 1.2 core way: `yes`/`on`/`y` are true,
 * `no`/`off`/`n` false, `0120` is octal, `_` may group digits, and a timestamp stays the string it
 * is. The resolution below follows go-yaml v2's (checked against kubectl's own output in tests).
 */

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);
/** go-yaml v2's test for a float (after removing underscores). */
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** Go's integer syntax with base prefixes (strconv.ParseInt with base 0), after removing underscores. */
const INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const MAX_UINT64 = 2n ** 64n - 1n;
const MIN_INT64 = -(2n ** 63n);

/** The digits of a plain scalar that go-yaml v2 would try as a number (it starts with a digit, a sign or '.'). */
function numberText(s: string): string | undefined {
  const c = s.charCodeAt(0);
  const numeric = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
  return numeric ? s.replaceAll('_', '') : undefined;
}

/** The integer go-yaml v2 reads `s` as (int64, else uint64), or undefined. */
function goInt(s: string): number | undefined {
  const plain = numberText(s);
  if (plain === undefined || !INT.test(plain)) return undefined;
  const negative = plain.startsWith('-');
  const body = plain.replace(/^[-+]/, '');
  const prefix = body.slice(0, 2).toLowerCase();
  let digits: string;
  if (prefix === '0x' || prefix === '0o' || prefix === '0b') digits = `0${prefix[1]}${body.slice(2)}`;
  else if (body.length > 1 && body.startsWith('0')) digits = `0o${body.slice(1)}`;
  else digits = body;
  const value = negative ? -BigInt(digits) : BigInt(digits);
  if (value < MIN_INT64 || value > MAX_UINT64) return undefined;
  return Number(value);
}

/** The float go-yaml v2 reads `s` as (when it is no integer), or undefined. */
function goFloat(s: string): number | undefined {
  const special = SPECIAL_FLOATS.get(s);
  if (special !== undefined) return special;
  const plain = numberText(s);
  if (plain === undefined || !FLOAT.test(plain)) return undefined;
  const v = Number(plain);
  // Go's ParseFloat fails on a value out of range, and go-yaml then keeps the text.
  return Number.isFinite(v) ? v : undefined;
}

/** The schema manifests are read with: go-yaml v2's plain scalars, merge keys, and nothing else implicit. */
export function kubeYamlSchema(): Schema {
  if (schema) return schema;
  const y = yaml();
  const bool = new y.Type('tag:yaml.org,2002:bool', {
    kind: 'scalar',
    resolve: (s: string) => TRUE.has(s) || FALSE.has(s),
    construct: (s: string) => TRUE.has(s),
    predicate: (v: unknown) => typeof v === 'boolean',
  });
  const int = new y.Type('tag:yaml.org,2002:int', {
    kind: 'scalar',
    resolve: (s: string) => goInt(s) !== undefined,
    construct: (s: string) => goInt(s),
    predicate: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
  });
  const float = new y.Type('tag:yaml.org,2002:float', {
    kind: 'scalar',
    resolve: (s: string) => goInt(s) === undefined && goFloat(s) !== undefined,
    construct: (s: string) => goFloat(s),
    predicate: (v: unknown) => typeof v === 'number',
  });
  // js-yaml's own null and merge (`<<`) types, which its type declarations leave out.
  const builtIn = (y as unknown as { types: Record<'null' | 'merge', import('js-yaml').Type> }).types;
  schema = y.FAILSAFE_SCHEMA.extend({ implicit: [builtIn.null, bool, int, float, builtIn.merge] });
  return schema;
}
