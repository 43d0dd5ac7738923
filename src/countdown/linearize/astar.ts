import type { CountdownStep } from '../arithmetic.js';
import { compactStyle, stepStr } from './format.js';
import type { CountdownTree } from './stream.js';

/**
 * Searchformer-style A* trace: `create` when a node enters the open set, `close` when it is
 * expanded, each with its path, numbers and costs g (depth) and h (heuristic, rounded); then the
 * plan, one `plan` line per solution step. The prompt line is the same as the stream's.
 */
export function astarTrace(tree: CountdownTree): string {
  const lines = [compactStyle.header(tree.problem)];
  const describe = (id: number) => {
    const n = tree.node(id);
    const path = tree.stepsTo(id).map(stepStr).join(',');
    return `${path}${path ? ' ' : ''}[${n.state.join(' ')}] ${n.depth} ${Math.round(n.h ?? 0)}`;
  };
  lines.push(`create ${describe(0)}`);
  let goal: number | null = null;
  for (const e of tree.events) {
    if (e.kind === 'generate') lines.push(`create ${describe(e.node)}`);
    else if (e.kind === 'visit') {
      lines.push(`close ${describe(e.node)}`);
      if (tree.node(e.node).verified) {
        goal = e.node;
        break;
      }
    }
  }
  if (goal === null) lines.push('fail');
  else lines.push(...tree.stepsTo(goal).map((s: CountdownStep) => `plan ${stepStr(s)}`));
  return `${lines.join('\n')}\n`;
}
