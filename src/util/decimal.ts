/**
 * Formats a finite non-negative double with exactly `digits` decimals, rounding the exact binary
 * value half-to-even, as Go's strconv and glibc's printf do. (Number#toFixed rounds ties up, which
 * differs for values such as 1/2048 at 10 digits.)
 */
export function toFixedHalfEven(value: number, digits: number): string {
  if (!Number.isFinite(value) || value < 0) throw new Error(`toFixedHalfEven: unsupported value ${value}`);
  // value = mantissa * 2^exponent exactly.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (biased === 0) {
    exponent = -1074;
  } else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  // scaled = value * 10^digits as an exact fraction num/den.
  let num = mantissa * 10n ** BigInt(digits);
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
}
