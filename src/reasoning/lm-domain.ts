import type { Domain, MaybePromise, SolutionCheck } from '../core/domain.js';
import type { LMBackend } from '../llm/backend.js';
import { type ExtractionRule, extract } from '../verify/extract.js';
import { verify } from '../verify/verify.js';
import type { MathProblem } from './problems.js';
import type { Segmenter } from './segment.js';
import { type PromptTemplate, renderRequest } from './template.js';
import { Usage } from './usage.js';

/** A partial solution: the steps written so far. */
export interface LmState {
  steps: string[];
}

/** Decides whether a full solution text answers the gold; the default is the in-process verifier. */
export type AnswerCheck = (gold: string, response: string) => MaybePromise<boolean>;

export interface LmDomainOptions {
  backend: LMBackend;
  template: PromptTemplate;
  segmenter: Segmenter;
  /** Steps sampled per expansion (the paper's b), in one `complete` call with `n`; may depend on the state. */
  samples: number | ((state: LmState) => number);
  /** Token limit of one step (default 256). */
  maxStepTokens?: number;
  /** A solution this many steps long is terminal even without an answer (default 24). */
  maxSteps?: number;
  temperature?: number;
  topP?: number;
  /** Rules whose match in a step ends the solution (default: answer tags and \boxed{}). */
  answerRules?: readonly ExtractionRule[];
  check?: AnswerCheck;
  /** Where spent tokens are added (a fresh one by default; read it back as `domain.usage`). */
  usage?: Usage;
}

export const DEFAULT_ANSWER_RULES: readonly ExtractionRule[] = ['answer_tag', 'boxed'];

export type LmDomain = Domain<MathProblem, LmState, string> & {
  readonly usage: Usage;
  readonly segmenter: Segmenter;
  readonly check: AnswerCheck;
  /** The whole solution text of a state. */
  text(state: LmState): string;
};

export const verifierCheck: AnswerCheck = (gold, response) => verify({ gold, response }).correct;

/**
 * Search over language-model steps as a core `Domain`: a state is a partial solution, a step is one
 * sampled segment (up to the segmenter's delimiter), and a state is terminal once its last step gives
 * an answer or the step limit is reached. Solutions are checked against the gold by the verifier.
 * The sampling seed comes from the search's rng, so a deterministic backend gives a reproducible tree.
 */
export function lmDomain(opts: LmDomainOptions): LmDomain {
  const seg = opts.segmenter;
  const rules = opts.answerRules ?? DEFAULT_ANSWER_RULES;
  const maxSteps = opts.maxSteps ?? 24;
  const usage = opts.usage ?? new Usage();
  const check = opts.check ?? verifierCheck;
  const text = (s: LmState) => seg.join(s.steps);
  const hasAnswer = (step: string) => extract(step, rules) !== null;
  return {
    name: 'lm',
    usage,
    segmenter: seg,
    check,
    text,
    initialState: () => ({ steps: [] }),
    async steps(state, { problem, rng }) {
      const r = await opts.backend.complete({
        ...renderRequest(opts.template, problem.problem, state.steps, seg),
        n: typeof opts.samples === 'number' ? opts.samples : opts.samples(state),
        maxTokens: opts.maxStepTokens ?? 256,
        temperature: opts.temperature,
        topP: opts.topP,
        stop: [seg.delimiter],
        seed: rng.nextUint32(),
      });
      usage.add(r);
      // Identical samples are one branch; an empty sample (the model stopped at once) is none.
      const seen = new Set<string>();
      for (const c of r.completions) {
        const step = seg.clean(c.text);
        if (step.trim() !== '') seen.add(step);
      }
      return [...seen];
    },
    apply: (state, step) => ({ steps: [...state.steps, step] }),
    isTerminal: (state) =>
      state.steps.length >= maxSteps ||
      (state.steps.length > 0 && hasAnswer(state.steps[state.steps.length - 1])),
    isSolved: (state, problem) => check(problem.gold, text(state)),
    verifySolution(problem, steps): SolutionCheck {
      const r = verify({ gold: problem.gold, response: seg.join(steps) });
      return r.correct
        ? { ok: true }
        : { ok: false, reason: `${r.reason}${r.detail ? `: ${r.detail}` : ''}` };
    },
    heuristics: {},
    answer(state) {
      const e = extract(text(state), rules);
      return e ? e.answers.map((a) => a.replace(/\s+/g, ' ').trim()).join(' ; ') : null;
    },
    stepText: (s) => s,
  };
}
