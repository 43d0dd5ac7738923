import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { SOLVER_NAMES } from '../countdown/solvers.js';
import { COUNTDOWN_TOOLS, type CountdownTool, GOAL_TEST_FORMATS } from '../countdown/tools.js';
import { parseConfig, readConfigFile } from '../io/config-file.js';
import { isSafeSegment, SEGMENT_RULE } from '../io/paths.js';

const int = (min: number) => z.number().int().min(min);

/**
 * Which train problems STaR or RL samples: all of SFT's, or `beyond-teacher`: those whose teacher
 * search runs past data.maxTokens, so Meta-CoT never trained on them solved (learning them is learning
 * more than the teacher showed). `data.metaRlTargets`, when set, replaces either pool.
 */
const problemPool = z.enum(['train', 'beyond-teacher']);

/**
 * A run of the main job: data, the two SFT models, evaluation, meta-RL. Every field has a default
 * (the demo); a YAML file overrides any subset. Token budgets, not step counts, make CoT and
 * Meta-CoT comparable: both models see the same number of training tokens.
 */
export const RunConfigSchema = z
  .object({
    /** Names the run folder, runs/<name>: one path component, never a path that leads elsewhere. */
    name: z
      .string()
      .refine(isSafeSegment, `expected ${SEGMENT_RULE}; it names the run folder runs/<name>`)
      .default('demo'),
    seed: int(0).default(0),
    /** ONNX Runtime threads for training and sampling. */
    threads: int(1).default(2),
    /**
     * Tools every sampler of the run calls (evaluation, STaR, RL), for CoT and Meta-CoT alike: the
     * calculator writes the result of each step the model chose, the goal test says whether the number
     * left is the target (countdown/tools.ts). [] = the model writes every token itself.
     */
    tools: z
      .array(z.enum(COUNTDOWN_TOOLS as [CountdownTool, ...CountdownTool[]]))
      .default(['calculator', 'goal-test']),
    countdown: z
      .object({
        numbers: int(2).default(3),
        numMin: int(0).default(1),
        // 1–12 rather than 1–9: enough prompts (number multisets) to hold half of them out; 1–19 left
        // Meta-CoT below CoT on them (docs/results.md).
        numMax: int(1).default(12),
        minTarget: int(0).default(10),
        // Targets 10–60, 30% held out: 15 held-out values, 10 of them test (440–630 distinct prompts on
        // seeds 0–5), 5 validation; 10–40 held out only 3 values (115 prompts on seed 0).
        maxTarget: int(1).default(60),
        heldOutFraction: z.number().min(0.01).max(0.9).default(0.3),
        /** Fraction of prompts (number multiset, train target) held out of training: the held-out-inputs sets. */
        heldOutInputFraction: z.number().min(0).max(0.9).default(0.5),
        /** Share of the held-out targets and of the held-out inputs that is validation, not test. */
        validationFraction: z
          .number()
          .min(0)
          .max(0.9)
          .default(1 / 3),
      })
      .strict()
      .prefault({}),
    data: z
      .object({
        train: int(1).default(20000),
        /** Distinct held-out problems; all of them when the held-out space has fewer. */
        test: int(1).default(1000),
        /** Distinct held-out-input problems (when countdown.heldOutInputFraction > 0); all of them when fewer exist. */
        testInputs: int(1).default(1000),
        /** Distinct validation problems on held-out targets, and on held-out inputs; all of them when fewer exist. */
        valid: int(0).default(1000),
        validInputs: int(0).default(1000),
        solver: z.enum(SOLVER_NAMES as [string, ...string[]]).default('dfs-sum'),
        /** Tokenizer: digits only (countdown-v1), or integers up to 999 as single tokens (countdown-num-v1). */
        vocab: z.enum(['countdown-v1', 'countdown-num-v1']).default('countdown-num-v1'),
        /** Trace text: `compact` restates the target at each goal check (`vs 31 goal`), `terse` does not, `digitwise` spells it in digit pairs (`vs 3:3 1:1 goal`). */
        format: z.enum(['compact', 'terse', 'digitwise']).default('compact'),
        /** Train Meta-CoT only on searches that reached the goal (Meta-STaR's "keep verified"); SoS kept all. */
        solvedTracesOnly: z.boolean().default(true),
        /** Training examples longer than this many tokens are dropped (both models alike). */
        maxTokens: int(16).default(256),
        /**
         * Target values for STaR's and RL's problems, outside [minTarget, maxTarget]: values neither
         * SFT nor the test ever uses, so meta-RL practises what the held-out test asks (reaching a
         * target never seen in training) without taking anything from SFT. null: meta-RL draws
         * from SFT's own train problems.
         */
        metaRlTargets: z
          .object({ min: int(0), max: int(0) })
          .strict()
          .nullable()
          .default(null),
      })
      .strict()
      .prefault({}),
    model: z
      .object({
        dModel: int(8).default(128),
        nLayers: int(1).default(4),
        nHeads: int(1).default(4),
        dFF: int(8).default(384),
        contextLength: int(16).default(320),
        tiedEmbeddings: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    sft: z
      .object({
        /** Training tokens (batch × sequence length × steps) for each of the two models. */
        tokens: int(1).default(3_000_000),
        batchSize: int(1).default(16),
        seqLen: int(16).default(256),
        lr: z.number().positive().default(3e-3),
        warmupSteps: int(0).default(30),
        weightDecay: z.number().min(0).default(0.01),
      })
      .strict()
      .prefault({}),
    eval: z
      .object({
        maxNewTokens: int(1).default(250),
        batch: int(1).default(250),
        /**
         * Evaluate on the validation sets only, never reading a test set: for runs that choose a setting
         * (the results' top-level numbers are then validation's held-out targets; results.json says so).
         */
        validationOnly: z.boolean().default(false),
        /** Sampling temperature of `cot_resample` (CoT sampled until the goal test accepts or the budget is spent). */
        resampleTemperature: z.number().positive().default(0.7),
      })
      .strict()
      .prefault({}),
    star: z
      .object({
        enabled: z.boolean().default(true),
        iterations: int(0).default(1),
        /** Train problems sampled per iteration, and samples per problem. */
        problems: int(1).default(250),
        samples: int(1).default(4),
        temperature: z.number().positive().default(0.8),
        /**
         * Fine-tuning tokens per iteration: about 1.5 epochs over the ~350 kept samples. More epochs, or
         * a higher rate, fit the train targets and lose held-out ones (from one Meta-CoT model at 12.9%:
         * 300k tokens at 1e-3 gave 4.9%, 50k at 3e-4 14.6%; results vary a lot between runs, see README).
         */
        tokens: int(1).default(50_000),
        lr: z.number().positive().default(3e-4),
        /** Linear warm-up of each iteration's fresh optimizer (SFT's sft.ts caps it at a quarter of the steps). */
        warmupSteps: int(0).default(3),
        /**
         * Which verified samples become training data: `all` (STaR), or each problem's `shortest`
         * (Searchformer's bootstrapping: the same answers, found with less search).
         */
        keep: z.enum(['all', 'shortest']).default('all'),
        /** Which problems STaR samples (`problemPool`); beyond-teacher won on validation. */
        pool: problemPool.default('beyond-teacher'),
      })
      .strict()
      .prefault({}),
    rl: z
      .object({
        enabled: z.boolean().default(true),
        algorithm: z.enum(['rloo', 'grpo']).default('rloo'),
        /**
         * The model RL starts from, and keeps its KL to: the Meta-CoT model, or STaR's last iteration
         * (needs STaR on): meta-RL in two steps, STaR on what the teacher never solved, then RL.
         */
        from: z.enum(['metacot', 'star']).default('metacot'),
        /** Evaluations of the RL model: one per iteration, after its steps. */
        iterations: int(0).default(1),
        /**
         * On-policy policy-gradient steps per iteration, each on fresh samples. 15 (about 4 minutes on 2
         * cores) is what the demo's 15-minute budget leaves; the rate and variant were chosen on
         * validation at that length (configs/choose/, docs/results.md).
         */
        steps: int(1).default(15),
        /** Which problems RL samples (`problemPool`); train won on validation. */
        pool: problemPool.default('train'),
        /** Problems per step, and completions per problem (the group). */
        problems: int(1).default(64),
        group: int(2).default(8),
        lr: z.number().positive().default(1e-4),
        /** Linear warm-up of the RL optimizer over its first steps (a fresh Adam's first step is lr·sign(g)). */
        warmupSteps: int(0).default(3),
        /** Reward = verified · gamma^(output tokens): gamma 1 rewards only the final answer (E-RL²). */
        gamma: z.number().gt(0).max(1).default(1),
        /**
         * KL penalty to the instruction-tuned reference, as its own loss term (k3 estimator, as GRPO), not
         * folded into the reward: the advantages stay a function of the verified answer alone.
         */
        klCoef: z.number().min(0).default(0.02),
        /** Gradient steps over each step's samples (PPO epochs). */
        epochs: int(1).default(1),
        /** PPO clip ε for epochs after the first: a token's weight drops to 0 once π/π_old leaves 1 ± ε. */
        clip: z.number().positive().default(0.2),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RunConfig = z.infer<typeof RunConfigSchema>;

/** Where a run writes when no --out is given. */
export function runFolder(cfg: RunConfig): string {
  return join('runs', cfg.name);
}

export function defaultConfig(): RunConfig {
  return RunConfigSchema.parse({});
}

/** Reads a YAML (or JSON) run config; errors name the file and the offending field. */
export function loadRunConfig(file: string): RunConfig {
  return parseRunConfig(readConfigFile(file), file);
}

export function parseRunConfig(raw: unknown, source = 'config'): RunConfig {
  const c = parseConfig(RunConfigSchema, raw, source);
  if (c.model.dModel % c.model.nHeads !== 0 || (c.model.dModel / c.model.nHeads) % 2 !== 0) {
    throw new UserError(
      `${source}: field 'model.nHeads': d_model ${c.model.dModel} must split into heads of even size`,
    );
  }
  if (c.countdown.numMin > c.countdown.numMax)
    throw new UserError(`${source}: field 'countdown.numMin': above numMax`);
  if (c.countdown.minTarget > c.countdown.maxTarget) {
    throw new UserError(`${source}: field 'countdown.minTarget': above maxTarget`);
  }
  if (c.rl.enabled && c.rl.from === 'star' && !(c.star.enabled && c.star.iterations > 0)) {
    throw new UserError(`${source}: field 'rl.from': star needs STaR on (star.enabled, star.iterations ≥ 1)`);
  }
  const own = c.data.metaRlTargets;
  if (own && (own.min > own.max || (own.max >= c.countdown.minTarget && own.min <= c.countdown.maxTarget))) {
    throw new UserError(
      `${source}: field 'data.metaRlTargets': ${own.min}–${own.max} must be a range outside the task's targets ` +
        `${c.countdown.minTarget}–${c.countdown.maxTarget} (those are SFT's and the test's)`,
    );
  }
  if (c.tools.includes('goal-test') && !GOAL_TEST_FORMATS.includes(c.data.format)) {
    throw new UserError(
      `${source}: field 'tools': the goal test writes the ${GOAL_TEST_FORMATS.join(' and ')} formats' goal check, not ${c.data.format}'s`,
    );
  }
  if (c.sft.seqLen < c.data.maxTokens - 1) {
    // Packing truncates examples longer than a row: the ends of long traces (the goal) would never be learned.
    throw new UserError(
      `${source}: field 'sft.seqLen': ${c.sft.seqLen} is shorter than data.maxTokens − 1 (${c.data.maxTokens - 1})`,
    );
  }
  if (c.data.maxTokens > c.model.contextLength) {
    throw new UserError(
      `${source}: field 'data.maxTokens': longer than model.contextLength ${c.model.contextLength}`,
    );
  }
  return c;
}
