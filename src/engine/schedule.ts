/** Learning-rate schedule: linear warmup, then cosine decay to minLr at totalSteps, flat after. */
export interface ScheduleOptions {
  lr: number;
  warmup: number;
  totalSteps: number;
  /** final lr as a fraction of lr; default 0.1 */
  minLrRatio?: number;
}

/** lr for 0-based `step`: warmup reaches lr exactly at step warmup-1. */
export function learningRate(step: number, o: ScheduleOptions): number {
  const minLr = o.lr * (o.minLrRatio ?? 0.1);
  if (step < o.warmup) return (o.lr * (step + 1)) / o.warmup;
  const span = Math.max(1, o.totalSteps - o.warmup);
  const p = Math.min(1, (step - o.warmup) / span);
  return minLr + 0.5 * (o.lr - minLr) * (1 + Math.cos(Math.PI * p));
}
