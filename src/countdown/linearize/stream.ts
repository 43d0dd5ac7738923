import type { SearchTree } from '../../core/tree.js';
import type { CountdownProblem, CountdownStep } from '../arithmetic.js';
import { STYLES, type TraceFormat } from './format.js';

export type CountdownTree = SearchTree<number[], CountdownStep, CountdownProblem>;

/**
 * Stream of search (the Meta-CoT): replays the visit log — every explored operation, dead ends,
 * moves back to earlier nodes, the goal check — as text, ending at the first verified goal.
 */
export function streamOfSearch(tree: CountdownTree, format: TraceFormat = 'compact'): string {
  const style = STYLES[format];
  const { target } = tree.problem;
  const lines: string[] = [style.header(tree.problem)];
  const labels = nodeLabels(tree);
  let current = 0;
  let lastGenerated = -1;
  let started = false;
  for (const e of tree.events) {
    const node = tree.node(e.node);
    if (e.kind === 'visit') {
      if (!started && e.node === 0) {
        started = true; // the header already shows the root
        continue;
      }
      // Descending into the node just generated needs no restating; any other move says where it lands.
      const kind = node.id === lastGenerated && node.parent === current ? 'descend' : 'back';
      lines.push(
        ...style.move({
          kind,
          path: tree.stepsTo(node.id),
          nums: node.state,
          target,
          nodeLabel: labels[node.id],
        }),
      );
      current = node.id;
    } else if (e.kind === 'generate') {
      lastGenerated = node.id;
      lines.push(
        ...style.explore({
          step: node.step!,
          nums: node.state,
          terminal: node.terminal,
          solved: node.verified === true,
          target,
          nodeLabel: labels[node.id],
        }),
      );
      if (node.verified) return `${lines.join('\n')}\n`;
    }
  }
  lines.push(...style.fail());
  return `${lines.join('\n')}\n`;
}

/**
 * The optimal-path text (the classical-CoT baseline): the same vocabulary as the stream, but only
 * the steps of one solution, with no dead ends.
 */
export function optimalPath(
  problem: CountdownProblem,
  solution: readonly CountdownStep[],
  format: TraceFormat = 'compact',
) {
  const style = STYLES[format];
  const lines = [style.header(problem)];
  let nums = [...problem.nums];
  const path: CountdownStep[] = [];
  let label = '0';
  solution.forEach((step, k) => {
    nums = applyByValue(nums, step);
    path.push(step);
    label = `${label},0`;
    const terminal = k === solution.length - 1;
    lines.push(
      ...style.explore({
        step,
        nums,
        terminal,
        solved: terminal && nums.length === 1 && nums[0] === problem.target,
        target: problem.target,
        nodeLabel: label,
      }),
    );
    if (!terminal) {
      lines.push(
        ...style.move({ kind: 'descend', path: [...path], nums, target: problem.target, nodeLabel: label }),
      );
    }
  });
  return `${lines.join('\n')}\n`;
}

function applyByValue(nums: number[], step: CountdownStep): number[] {
  const out = [...nums];
  const i = out.indexOf(step.a);
  if (i < 0) throw new Error(`step ${step.a}${step.op}${step.b} uses an unavailable number`);
  out.splice(i, 1);
  const j = out.indexOf(step.b);
  if (j < 0) throw new Error(`step ${step.a}${step.op}${step.b} uses an unavailable number`);
  out.splice(j, 1);
  out.push(step.result);
  return out;
}

/** SoS's node labels: the root is "0", a child appends its index among its parent's children. */
function nodeLabels(tree: CountdownTree): string[] {
  const labels: string[] = new Array(tree.size);
  labels[0] = '0';
  for (const n of tree.nodes) {
    n.children.forEach((c, k) => {
      labels[c] = `${labels[n.id]},${k}`;
    });
  }
  return labels;
}
