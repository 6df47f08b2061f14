/**
 * Seeded random numbers for the workload layer.
 *
 * Every purpose (arrivals, input lengths, output lengths, …) draws from its own named stream, seeded with
 * `${seed}:${stream}`, so adding a new consumer of randomness never shifts the numbers another one sees.
 * The variate helpers use only `Math.log`, `Math.exp` and `Math.sqrt`, whose V8 implementations are
 * deterministic (fdlibm port / IEEE-exact), so a seed reproduces the same run on every machine.
 */
import seedrandom from 'seedrandom';

/** A uniform random number generator. */
export interface Rng {
  /** Uniform in [0, 1), 53 bits of randomness. */
  next(): number;
}

/**
 * Creates the generator for one named stream.
 *
 * @param seed the scenario seed (any finite number)
 * @param stream the purpose, e.g. `'arrivals'`, `'lengths.input'`
 * @example
 * const rng = createRng(42, 'arrivals');
 * const u = rng.next(); // same value for (42, 'arrivals') on every run
 */
export function createRng(seed: number, stream: string): Rng {
  const prng = seedrandom(`${seed}:${stream}`);
  return { next: () => prng.double() };
}

/**
 * An exponential variate with the given rate (mean 1/rate), by inversion.
 *
 * @example
 * const gap = exponential(createRng(1, 'arrivals'), 8); // seconds until the next arrival at 8 req/s
 */
export function exponential(rng: Rng, rate: number): number {
  // 1 − u ∈ (0, 1], so the log is finite.
  return -Math.log(1 - rng.next()) / rate;
}

/**
 * A standard normal variate (Marsaglia's polar method; the second variate of each pair is discarded so the
 * helper stays stateless — every call consumes an independent, deterministic run of uniforms).
 *
 * @example
 * const z = standardNormal(createRng(1, 'lengths.input'));
 */
export function standardNormal(rng: Rng): number {
  for (;;) {
    const u = 2 * rng.next() - 1;
    const v = 2 * rng.next() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/**
 * A gamma variate with the given shape k > 0 and scale θ > 0 (mean kθ, variance kθ²), by Marsaglia & Tsang
 * (2000). For k < 1 it uses the boost Gamma(k) = Gamma(k + 1) · U^(1/k).
 *
 * @example
 * const g = gamma(createRng(1, 'arrivals'), 0.25, 4); // mean 1, CV 2
 */
export function gamma(rng: Rng, shape: number, scale: number): number {
  if (shape < 1) {
    const boost = Math.exp(Math.log(1 - rng.next()) / shape); // U^(1/k), U ∈ (0, 1]
    return gamma(rng, shape + 1, scale) * boost;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v * scale;
    if (u > 0 && Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}
