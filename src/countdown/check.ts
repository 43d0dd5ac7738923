import { located, UserError } from '../core/errors.js';
import { readJsonl } from '../io/jsonl.js';
import type { CountdownProblem } from './arithmetic.js';
import { parseTrace } from './linearize/parse.js';
import { verifyCountdown } from './verify.js';

/** Reads `nums` and `target` from a JSONL row, or throws a UserError naming file, line and field. */
export function problemFromRow(
  row: Record<string, unknown>,
  where: { file: string; line: number },
): CountdownProblem {
  const { nums, target } = row;
  if (!Array.isArray(nums) || nums.length < 2 || !nums.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new UserError(
      located({ ...where, field: 'nums' }, 'expected a list of at least 2 non-negative integers'),
    );
  }
  if (!Number.isInteger(target) || (target as number) < 0) {
    throw new UserError(located({ ...where, field: 'target' }, 'expected a non-negative integer'));
  }
  return { nums: nums as number[], target: target as number };
}

export interface CheckReport {
  records: number;
  solved: number;
  problems: string[];
}

/**
 * An independent check of a generated file: each `solution` verifies from scratch, each of its
 * steps appears as an explored operation in the `trace`, and each `optimal_solution` verifies.
 */
export async function checkCountdownFile(file: string): Promise<CheckReport> {
  const report: CheckReport = { records: 0, solved: 0, problems: [] };
  for await (const { line, value } of readJsonl(file)) {
    report.records++;
    const at = (msg: string) => report.problems.push(located({ file, line }, msg));
    const problem = problemFromRow(value, { file, line });
    const { solution, optimal_solution: optimal, trace, trace_format: format } = value;
    if (Array.isArray(optimal)) {
      const v = verifyCountdown(problem, optimal as string[]);
      if (!v.ok) at(`optimal_solution does not verify: ${v.reason}`);
    }
    if (solution === null || solution === undefined) continue;
    if (!Array.isArray(solution)) {
      at("'solution' must be a list of steps or null");
      continue;
    }
    report.solved++;
    const v = verifyCountdown(problem, solution as string[]);
    if (!v.ok) at(`solution does not verify: ${v.reason}`);
    if (typeof trace !== 'string') {
      at("'trace' is missing");
      continue;
    }
    const explored = new Set<string>();
    if (format === 'astar') {
      for (const l of trace.split('\n')) if (l.startsWith('plan ')) explored.add(l.slice(5));
    } else {
      for (const l of parseTrace(trace, format === 'sos' ? 'sos' : 'compact')) {
        if (l.kind === 'try') explored.add(`${l.step.a}${l.step.op}${l.step.b}=${l.step.result}`);
      }
    }
    for (const step of solution as string[])
      if (!explored.has(step)) at(`solution step ${step} is not in the trace`);
  }
  return report;
}
