/**
 * A small seeded PRNG (sfc32, seeded through splitmix32): the same seed always yields the same
 * data, on any machine and Node version, so benchmark inputs and fault-test corpora are reproducible.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** `length` lower-case hex digits. */
  hex(length: number): string;
  /** Roughly log-normal: most values near `median`, a long tail up to `max`. */
  skewed(median: number, max: number): number;
  chance(probability: number): boolean;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function seededRandom(seed: number): Random {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i += 1) next();

  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    hex: (length) => {
      // Eight digits per draw.
      let text = '';
      while (text.length < length)
        text += (Math.floor(next() * 4294967296) >>> 0).toString(16).padStart(8, '0');
      return text.length === length ? text : text.slice(0, length);
    },
    skewed: (median, max) => {
      // Box-Muller normal, then exp: a log-normal with sigma 0.8 around the median.
      const u = Math.max(next(), 1e-12);
      const v = next();
      const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return Math.max(1, Math.min(max, Math.round(median * Math.exp(0.8 * normal))));
    },
    chance: (probability) => next() < probability,
  };
  return random;
}
