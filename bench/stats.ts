/** Order statistics of a benchmark's samples. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Interquartile range relative to the median, a robust measure of spread. */
  relativeIqr: number;
  samples: number[];
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  return {
    median,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    relativeIqr: median === 0 ? 0 : iqr / Math.abs(median),
    samples,
  };
}
