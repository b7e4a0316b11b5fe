/**
 * What a benchmark is. Every comparison runs Kiln and its alternative in the
 * same run, alternately (A B A B ...), so that the machine's drift and noise
 * fall on both; the result is the ratio of medians.
 */

export interface Mode {
  /** Short runs that only show the harness works (CI); full runs take as long as they need. */
  quick: boolean;
  /** Samples the harness takes of each side (A B A B ...): suites that batch their runs batch this many. */
  rounds: number;
}

/** One side of a comparison: a measurement that returns one sample in the benchmark's unit. */
export interface Side {
  name: string;
  measure(): Promise<number>;
}

/** A side whose parts are not here: its name and what it needs, shown in its place. */
export interface MissingSide {
  name: string;
  missing: string;
}

export interface BenchCase {
  /** What varies between cases, e.g. `1472 B payload`. */
  label: string;
  kiln: Side;
  baseline: Side;
  /** A further comparison, in the same rounds, that needs parts not every host has (upstream Solo5's tender). */
  extra?: Side | MissingSide;
  /** Releases what the case set up (servers, VMs, files). */
  teardown?(): Promise<void>;
}

export interface Benchmark {
  /** Name used with --only, e.g. `icmp`. */
  name: string;
  title: string;
  /** Unit of a sample, e.g. `packets/s`, `ms`, `bytes`. */
  unit: string;
  /** Whether a larger sample is better (throughput) or a smaller one (latency, size). */
  better: 'higher' | 'lower';
  /** Null when the benchmark can run here, else what it needs ("needs /dev/kvm"). */
  missing(): Promise<string | null>;
  /** Sets up and returns the cases to measure. */
  cases(mode: Mode): Promise<BenchCase[]>;
}
