/**
 * A scripted language model over a synthetic word problem whose state values are known exactly, for
 * tests of search over language-model steps. It is a fake because no real model can run in a unit
 * test here: what is under test is the search, values, storage and resumption around the model, and
 * those need a model whose answers are deterministic and whose values can be computed by hand. (The
 * end-to-end test against a real engine is the job of `metacot serve`; see the reasoning README.)
 *
 * The problem: "Ann has a apples. She buys b more and then gives away c. How many apples does she have
 * now?" (gold a + b − c). A solution is three steps, one per sentence of the story. At each step the
 * model picks one of FANOUT options: FANOUT − 1 correct wordings and one slip that adds 1 to the
 * count, so a state that has not slipped, r steps from the end, has value ((FANOUT − 1)/FANOUT)^r, and
 * one that has slipped has value 0.
 *
 * Completion j of a request with seed σ follows option digit_i(σ + j) (base FANOUT) at its i-th step,
 * so n consecutive completions enumerate every continuation equally when FANOUT^r divides n: with
 * n = 125 a rollout value is exact at every state. Greedy decoding (temperature 0) always takes option
 * 0. Stop strings and `maxTokens` (counted in words) cut the text as a real engine would.
 */
import type { CompletionRequest, CompletionResult, LMBackend } from '../../llm/backend.js';

export const FANOUT = 5;
export const STEPS = 3;

export interface ApplesProblem {
  id: string;
  problem: string;
  gold: string;
}

export function applesProblem(id: string, a: number, b: number, c: number): ApplesProblem {
  return {
    id,
    problem: `Ann has ${a} apples. She buys ${b} more and then gives away ${c}. How many apples does she have now?`,
    gold: String(a + b - c),
  };
}

/** The exact value of a partial solution (its steps), by the construction above. */
export function applesValue(problem: string, steps: readonly string[]): number {
  const world = parseWorld(`${problem}\n${steps.join('\n')}`);
  if (world === null) throw new Error('not an apples problem');
  if (world.slipped) return 0;
  return ((FANOUT - 1) / FANOUT) ** (STEPS - world.depth);
}

const WORDINGS: Array<Array<(x: number, p: number) => string>> = [
  [
    (x) => `Ann starts with ${x} apples.`,
    (x) => `At first Ann has ${x} apples.`,
    (x) => `In the beginning there are ${x} apples.`,
    (x) => `Ann has ${x} apples to begin with.`,
  ],
  [
    (x, b) => `After buying ${b} more she has ${x} apples.`,
    (x, b) => `Buying ${b} brings her to ${x} apples.`,
    (x, b) => `She adds ${b}, so now there are ${x} apples.`,
    (x, b) => `With ${b} more, she holds ${x} apples.`,
  ],
  [
    (x, c) => `After giving away ${c} she has ${x} apples, so the answer is \\boxed{${x}}.`,
    (x, c) => `Giving ${c} away leaves ${x} apples. The answer is \\boxed{${x}}.`,
    (x, c) => `She gives away ${c} and keeps ${x} apples: \\boxed{${x}}.`,
    (x, c) => `Removing ${c} leaves ${x} apples, hence \\boxed{${x}}.`,
  ],
];

interface World {
  a: number;
  b: number;
  c: number;
  /** Steps written so far. */
  depth: number;
  /** The count after the last step. */
  count: number;
  slipped: boolean;
}

/** Reads the problem and the steps written so far from anything that contains them (prompt or messages). */
function parseWorld(text: string): World | null {
  const m = /Ann has (\d+) apples\. She buys (\d+) more and then gives away (\d+)\./.exec(text);
  if (!m) return null;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Every step mentions "<count> apples" exactly once, and the problem statement once.
  const counts = [...text.slice(m.index + m[0].length).matchAll(/(\d+) apples/g)].map((x) => Number(x[1]));
  const depth = Math.min(counts.length, STEPS);
  const count = depth === 0 ? 0 : counts[depth - 1];
  const truth = [a, a + b, a + b - c];
  const slipped = counts.slice(0, depth).some((x, i) => x !== truth[i]);
  return { a, b, c, depth, count, slipped };
}

function continuation(w: World, u: number, separator: string): string {
  const parts: string[] = [];
  let count = w.count;
  for (let d = w.depth, i = 0; d < STEPS; d++, i++) {
    const option = Math.floor(u / FANOUT ** i) % FANOUT;
    const slip = option === FANOUT - 1;
    const next = (d === 0 ? w.a : d === 1 ? count + w.b : count - w.c) + (slip ? 1 : 0);
    const wording = WORDINGS[d][slip ? 0 : option];
    parts.push(wording(next, d === 0 ? 0 : d === 1 ? w.b : w.c));
    count = next;
  }
  return parts.join(separator);
}

const JUDGE = /Answer Yes or No/;
const words = (s: string) => s.split(/\s+/).filter((x) => x !== '').length;

export class ApplesLM implements LMBackend {
  readonly name = 'apples-scripted';
  /** Requests answered, for tests that count calls. */
  requests = 0;

  constructor(readonly separator = '\n\n') {}

  async complete(request: CompletionRequest): Promise<CompletionResult> {
    this.requests++;
    const input = request.prompt ?? (request.messages ?? []).map((m) => m.content).join('\n');
    const world = parseWorld(input);
    const n = request.n ?? 1;
    const seed = request.seed ?? 0;
    const completions = [];
    for (let j = 0; j < n; j++) {
      let text: string;
      if (world === null) text = '';
      else if (JUDGE.test(input)) text = world.slipped ? ' No' : ' Yes';
      else text = continuation(world, request.temperature === 0 ? 0 : seed + j, this.separator);
      let finishReason: 'stop' | 'length' = 'stop';
      for (const s of request.stop ?? []) {
        const k = text.indexOf(s);
        if (k >= 0) text = text.slice(0, k);
      }
      const w = text.split(/(\s+)/);
      if (words(text) > request.maxTokens) {
        let kept = 0;
        let out = '';
        for (const piece of w) {
          if (piece.trim() !== '' && ++kept > request.maxTokens) break;
          out += piece;
        }
        text = out;
        finishReason = 'length';
      }
      completions.push({ text, finishReason, tokens: Math.max(1, words(text)) });
    }
    await new Promise((r) => setImmediate(r)); // answer on a later tick, as a real engine does
    return {
      completions,
      promptTokens: words(input),
      completionTokens: completions.reduce((s, c) => s + c.tokens, 0),
    };
  }
}
