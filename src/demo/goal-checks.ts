import type { TraceFormat } from '../countdown/linearize/format.js';
import { parseTrace } from '../countdown/linearize/parse.js';
import type { Prediction } from './evaluate.js';

/**
 * Every goal check the outputs make (`[31] vs 31 goal`, `[26] vs 31 no`), against whether the result
 * written really is the target. Accuracy alone cannot tell a model that never reaches the target from
 * one that reaches it and rejects it; on held-out targets the second is what fails (README).
 */
export interface GoalCheckStats {
  /** Results equal to the target: called the goal, or rejected. */
  hits: number;
  misses: number;
  /** Results other than the target: called the goal, or rejected. */
  false_goals: number;
  rejections: number;
}

export function goalChecks(preds: readonly Prediction[], format: TraceFormat): GoalCheckStats {
  const s: GoalCheckStats = { hits: 0, misses: 0, false_goals: 0, rejections: 0 };
  for (const p of preds) {
    for (const line of parseTrace(p.output, format)) {
      if (line.kind !== 'try' || line.outcome === null) continue;
      const isTarget = line.step.result === p.target;
      const calledGoal = line.outcome === 'goal';
      if (isTarget) calledGoal ? s.hits++ : s.misses++;
      else calledGoal ? s.false_goals++ : s.rejections++;
    }
  }
  return s;
}
