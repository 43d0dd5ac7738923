import type { SearchNode, SearchTree } from '../core/tree.js';
import type { ChatMessage } from '../llm/backend.js';
import type { LmState } from './lm-domain.js';
import type { MathProblem } from './problems.js';
import type { Segmenter } from './segment.js';
import { type PromptTemplate, problemPrompt } from './template.js';

export type LmTree = SearchTree<LmState, string, MathProblem>;

/**
 * `nl`: natural-language Meta-CoT, as in the paper's appendix E — steps in the order the search
 * generated them, branch switches in words, then "Solution:" and the clean path.
 * `back`: the `[BACK]`-token form (the paper's Eq. 8, generalised to trees): each `[BACK]` takes back
 * one step, so the text replays as a stack whose final contents are the solution.
 */
export type LinearizeStyle = 'nl' | 'back';
export const LINEARIZE_STYLES: readonly LinearizeStyle[] = ['nl', 'back'];

export interface Phrases {
  /** Before a sibling of the step just written. */
  alternative: string;
  /** Before restating an earlier step the search returns to. */
  goBack: string;
  /** When the search returns to the empty solution. */
  restart: string;
  /** After a final answer that does not verify. */
  wrong: string;
  /** Heads the clean solution path. */
  solution: string;
}

export const DEFAULT_PHRASES: Phrases = {
  alternative: 'Alternatively,',
  goBack: 'Let me go back to:',
  restart: 'Let me start over.',
  wrong: 'Wait, that does not look right.',
  solution: 'Solution:',
};

export const BACK_TOKEN = '[BACK]';

export interface LinearizeOptions {
  segmenter: Segmenter;
  style?: LinearizeStyle;
  /** Write each step's value estimate after it, as the paper's traces do. */
  values?: boolean;
  phrases?: Partial<Phrases>;
}

/**
 * Replays a search tree's log as one completion, up to the generation of `solution` (a verified
 * terminal node). Pieces are joined with the segmenter's delimiter, so every step stays one step.
 */
export function linearize(tree: LmTree, solution: number, opts: LinearizeOptions): string {
  const style = opts.style ?? 'nl';
  const phrases = { ...DEFAULT_PHRASES, ...opts.phrases };
  const goal = tree.node(solution);
  if (!goal.terminal || goal.verified !== true)
    throw new Error(`node ${solution} is not a verified solution`);
  const pieces: string[] = [];
  const stepText = (n: SearchNode<LmState, string>) =>
    opts.values && n.value !== null ? `${n.step} (value ${formatValue(n.value)})` : n.step!;
  let current = 0;

  /** Moves the written context from `current` to `target` (an already written node). */
  const switchTo = (target: number) => {
    if (target === current) return;
    const lca = commonAncestor(tree, current, target);
    // The steps that differ from what is written: from below the common ancestor down to the target.
    const restate = tree.pathTo(target).slice(tree.node(lca).depth + 1);
    if (style === 'back') {
      for (let k = tree.node(current).depth; k > tree.node(lca).depth; k--) pieces.push(BACK_TOKEN);
      for (const id of restate) pieces.push(stepText(tree.node(id)));
    } else if (target === 0) pieces.push(phrases.restart);
    else pieces.push(`${phrases.goBack} ${restate.map((id) => tree.node(id).step).join(' ')}`);
    current = target;
  };

  for (const e of tree.events) {
    if (e.kind === 'visit') switchTo(e.node);
    if (e.kind !== 'generate') continue;
    const node = tree.node(e.node);
    const parent = node.parent!;
    if (parent !== current && style === 'nl' && parent === tree.node(current).parent) {
      pieces.push(`${phrases.alternative} ${stepText(node)}`); // a sibling of the step just written
    } else {
      switchTo(parent);
      pieces.push(stepText(node));
    }
    current = node.id;
    if (node.id === solution) break;
    if (node.terminal && node.verified !== true && style === 'nl') pieces.push(phrases.wrong);
  }
  if (style === 'nl') {
    const path = tree.stepsTo(solution);
    pieces.push(`${phrases.solution}\n${path.join(opts.segmenter.delimiter)}`);
  }
  return pieces.join(opts.segmenter.delimiter);
}

/** The steps a `[BACK]` trace leaves standing: each `[BACK]` removes the step before it. */
export function replayBack(text: string, seg: Segmenter): string[] {
  const stack: string[] = [];
  for (const piece of text.split(seg.delimiter)) {
    if (piece === BACK_TOKEN) stack.pop();
    else if (piece !== '') stack.push(piece);
  }
  return stack;
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(Number(v.toFixed(4)));
}

function commonAncestor(tree: LmTree, a: number, b: number): number {
  const onPath = new Set(tree.pathTo(a));
  for (let cur: number | null = b; cur !== null; cur = tree.node(cur).parent) if (onPath.has(cur)) return cur;
  return 0;
}

/** One SFT example, the shape the exporters in src/export/ consume. */
export interface SftRecord {
  problem: string;
  gold: string;
  /** The problem as the model sees it (the template's rendering). */
  prompt: string;
  /** The linearized search: what the model learns to write. */
  completion: string;
  messages: ChatMessage[];
  meta: Record<string, unknown>;
}

export function sftRecord(
  tree: LmTree,
  solution: number,
  opts: LinearizeOptions & { template: PromptTemplate; meta?: Record<string, unknown> },
): SftRecord {
  const problem = tree.problem;
  const prompt = problemPrompt(opts.template, problem.problem);
  const completion = linearize(tree, solution, opts);
  const messages: ChatMessage[] = [];
  if (opts.template.system !== undefined) messages.push({ role: 'system', content: opts.template.system });
  messages.push({ role: 'user', content: prompt }, { role: 'assistant', content: completion });
  return {
    problem: problem.problem,
    gold: problem.gold,
    prompt,
    completion,
    messages,
    meta: { id: problem.id, style: opts.style ?? 'nl', values: opts.values ?? false, ...opts.meta },
  };
}
