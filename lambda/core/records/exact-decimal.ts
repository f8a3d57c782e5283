/**
 * Exact decimal numbers as `units / 10^scale` with BigInt units: timestamps carry nanoseconds, which
 * a float loses (1706813404.782960647 is not representable as a double).
 */
export interface ExactDecimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** Anything beyond this is no plausible timestamp; it also bounds the BigInt work. */
const MAX_DIGITS = 40;

/** Decimal text as JSON and `String(number)` write it (an exponent included). */
export function parseDecimal(text: string): ExactDecimal | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return undefined;
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if (whole.length + fraction.length > MAX_DIGITS || Math.abs(exponent) > MAX_DIGITS) return undefined;
  let units = BigInt(whole + fraction);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: sign === '-' ? -units : units, scale };
}

export function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

/** Division rounding towards negative infinity (BigInt `/` truncates towards zero). */
export function floorDiv(dividend: bigint, divisor: bigint): bigint {
  const quotient = dividend / divisor;
  const remainder = dividend % divisor;
  return remainder !== 0n && remainder < 0n !== divisor < 0n ? quotient - 1n : quotient;
}

/** At most `maxScale` fraction digits, rounding down (towards the past). */
export function limitScale(value: ExactDecimal, maxScale: number): ExactDecimal {
  if (value.scale <= maxScale) return value;
  return { units: floorDiv(value.units, pow10(value.scale - maxScale)), scale: maxScale };
}

export function stripTrailingZeros(value: ExactDecimal): ExactDecimal {
  let { units, scale } = value;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

/** `-1.5` style text with exactly `scale` fraction digits. */
export function formatDecimal(value: ExactDecimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString();
  if (value.scale === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(value.scale + 1, '0');
  const cut = padded.length - value.scale;
  return `${negative ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}
