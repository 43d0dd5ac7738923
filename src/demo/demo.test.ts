import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CountdownRecord } from '../countdown/record.js';
import { findSolution } from '../countdown/solve.js';
import { Tokenizer } from '../countdown/tokenizer.js';
import { defaultConfig, loadRunConfig, parseRunConfig } from './config.js';
import { metaRlProblems } from './data.js';
import { judge } from './evaluate.js';
import { continuationExample, textExample } from './examples.js';
import { reportHtml, resultsTable } from './report.js';
import { advantages, klWeights, meanRlStats, ppoWeights, sequenceKl, withoutToolTokens } from './rl.js';
import { fingerprint, RunState } from './state.js';

const tmp = mkdtempSync(join(tmpdir(), 'metacot-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('run config', () => {
  it('fills every default and accepts partial overrides', () => {
    const c = parseRunConfig({ sft: { tokens: 1000 }, rl: { algorithm: 'grpo' } });
    expect(c.sft.tokens).toBe(1000);
    expect(c.sft.batchSize).toBe(16);
    expect(c.rl.algorithm).toBe('grpo');
    expect(c.model.nHeads).toBe(4);
  });

  it('ships configs that parse, and a demo.yaml that is exactly the defaults', () => {
    const root = join(import.meta.dirname, '..', '..', 'configs');
    expect(loadRunConfig(join(root, 'demo.yaml'))).toEqual(defaultConfig());
    expect(loadRunConfig(join(root, 'sos.yaml')).countdown).toMatchObject({
      numbers: 4,
      numMax: 99,
      maxTarget: 100,
    });
    expect(loadRunConfig(join(root, 'smoke.yaml')).name).toBe('smoke');
    // The runs that chose the demo's settings: the demo on validation alone, each changing STaR, RL or
    // the resampling baseline, never the data or SFT (so they share one folder's SFT models).
    for (const f of readdirSync(join(root, 'choose'))) {
      const c = loadRunConfig(join(root, 'choose', f));
      expect(c.eval.validationOnly, f).toBe(true);
      const { star, rl, eval: ev, ...rest } = c;
      const { star: _s, rl: _r, eval: _e, ...demo } = defaultConfig();
      expect(rest, f).toEqual(demo);
    }
    expect(loadRunConfig(join(root, 'demo-digits.yaml')).data).toMatchObject({
      vocab: 'countdown-v1',
      maxTokens: 320,
    });
  });

  it('takes tools, and refuses a goal test for a format whose check it cannot write', () => {
    expect(defaultConfig().tools).toEqual(['calculator', 'goal-test']);
    expect(parseRunConfig({ tools: [] }).tools).toEqual([]);
    expect(parseRunConfig({ tools: ['calculator'], data: { format: 'digitwise' } }).tools).toEqual([
      'calculator',
    ]);
    expect(() => parseRunConfig({ data: { format: 'digitwise' } })).toThrow(/field 'tools'.*digitwise/);
    expect(() => parseRunConfig({ tools: ['abacus'] })).toThrow(/tools/);
  });

  it('draws meta-RL problems on their own targets, outside the task range, the same every time', () => {
    const cfg = parseRunConfig({ data: { metaRlTargets: { min: 61, max: 80 } } });
    const pool = metaRlProblems(cfg, [], new Tokenizer());
    expect(pool.length).toBeGreaterThan(1000);
    for (const p of pool.slice(0, 200)) {
      expect(p.target).toBeGreaterThanOrEqual(61);
      expect(p.target).toBeLessThanOrEqual(80);
      expect(p.nums.every((n) => n >= 1 && n <= cfg.countdown.numMax)).toBe(true);
      expect(findSolution(p.nums, p.target)).not.toBeNull();
    }
    expect(metaRlProblems(cfg, [], new Tokenizer())).toEqual(pool);
    // SFT's train problems, or those whose teacher search does not fit data.maxTokens (never learned solved).
    const short = { nums: [1, 2, 3], target: 6, trace: 'target 6 [1 2 3]\ntry 1+2=3 [3 3]\n' };
    const long = { nums: [4, 5, 6], target: 7, trace: `target 7 [4 5 6]\n${'try 4+5=9 [6 9]\n'.repeat(60)}` };
    const train = [short, long] as unknown as CountdownRecord[];
    const tok = new Tokenizer();
    expect(metaRlProblems(defaultConfig(), train, tok)).toEqual(train);
    expect(metaRlProblems(defaultConfig(), train, tok, 'beyond-teacher')).toEqual([long]);
    // Own target values replace either pool.
    expect(metaRlProblems(cfg, train, tok, 'beyond-teacher')).toEqual(pool);
    // 3 numbers in 1–9 cannot reach 800: the error names the field, not a generator internal.
    const unreachable = parseRunConfig({ data: { metaRlTargets: { min: 800, max: 810 } } });
    expect(() => metaRlProblems(unreachable, [], new Tokenizer())).toThrowError(
      /field 'data.metaRlTargets'.*800–810/,
    );
  });

  it.each([
    [{ sft: { tokens: -5 } }, /field 'sft.tokens'/],
    [{ rl: { algorithm: 'ppo' } }, /field 'rl.algorithm'/],
    [{ model: { dModel: 100, nHeads: 3 } }, /field 'model.nHeads'/],
    [{ modle: {} }, /modle/],
    [{ data: { maxTokens: 9999 }, sft: { seqLen: 10000 } }, /field 'data.maxTokens'/],
    [{ data: { maxTokens: 300 }, sft: { seqLen: 200 } }, /field 'sft.seqLen'/],
    [
      { data: { metaRlTargets: { min: 55, max: 70 } } },
      /field 'data.metaRlTargets'.*outside the task's targets 10–60/,
    ],
    [{ data: { metaRlTargets: { min: 60, max: 50 } } }, /field 'data.metaRlTargets'/],
    [{ rl: { from: 'star' }, star: { enabled: false } }, /field 'rl.from': star needs STaR on/],
  ])('rejects %j naming the field', (raw, msg) => {
    expect(() => parseRunConfig(raw, 'x.yaml')).toThrowError(msg);
  });
});

describe('examples and judging', () => {
  const tok = new Tokenizer();
  it('learns everything after the prompt line, never the prompt', () => {
    const e = textExample(tok, 'target 5 [2 3]\ntry 2+3=5 [5] vs 5 goal\n');
    const promptLen = 1 + tok.encode('target 5 [2 3]\n').length;
    expect(e.tokens[0]).toBe(tok.vocab.bos);
    expect(e.tokens.at(-1)).toBe(tok.vocab.eos);
    expect(e.lossMask!.slice(0, promptLen).every((m) => m === 0)).toBe(true);
    expect(e.lossMask!.slice(promptLen).every((m) => m === 1)).toBe(true);
  });

  it('learns a continuation but not the prompt, nor the tokens a tool wrote', () => {
    expect(continuationExample([1, 2], [7, 8, 9]).lossMask).toEqual([0, 0, 1, 1, 1]);
    expect(continuationExample([1, 2], [7, 8, 9], 0.5, [false, true, false]).lossMask).toEqual([
      0, 0, 0.5, 0, 0.5,
    ]);
  });

  it('rewards only a verified claim', () => {
    const p = { nums: [2, 3, 4], target: 20 };
    const prompt = 'target 20 [2 3 4]\n';
    expect(judge(p, prompt, 'try 2+3=5 [4 5]\ngo\ntry 4*5=20 [20] vs 20 goal\n', 'compact').solved).toBe(
      true,
    );
    // a wrong arithmetic claim that "reaches" the goal is not a solution
    expect(judge(p, prompt, 'try 2+3=6 [4 6]\ngo\ntry 4*6=20 [20] vs 20 goal\n', 'compact').solved).toBe(
      false,
    );
    expect(judge(p, prompt, 'try 2+3=5 [4 5]\ngo\ntry 4+5=9 [9] vs 20 no\nfail\n', 'compact')).toEqual({
      solution: [],
      solved: false,
    });
  });
});

describe('metrics', () => {
  it('leaves tool-written tokens out of the RL gradient and the KL penalty', () => {
    const forced = [false, true, true, false];
    expect(withoutToolTokens([0.5, 0.5, -1, 2], forced)).toEqual([0.5, 0, 0, 2]);
    expect(withoutToolTokens([0.5, 0.5], undefined)).toEqual([0.5, 0.5]);
    expect(sequenceKl([-1, -2, -3, -4], [-1.5, -9, -9, -3], forced)).toBeCloseTo(0.5 - 1, 12);
    expect(sequenceKl([-1, -2], [-1.5, -1])).toBeCloseTo(0.5 - 1, 12);
  });

  it("weights tokens by the KL term's gradient, its own term beside the advantage", () => {
    // k3 = e^(ref−lp) − (ref−lp) − 1; its gradient in lp is 1 − e^(ref−lp), so the NLL weight is β(e^(ref−lp) − 1).
    const w = klWeights([-1, -2, -0.5], [-1, -1, -1], 0.1);
    expect(w[0]).toBe(0); // policy = reference: no pull
    expect(w[1]).toBeCloseTo(0.1 * (Math.E - 1), 12); // below the reference: pushed up (positive weight)
    expect(w[2]).toBeCloseTo(0.1 * (Math.exp(-0.5) - 1), 12); // above it: pushed down
    // The weight is minus the derivative of β·k3: checked against a finite difference.
    const k3 = (lp: number, ref: number) => Math.exp(ref - lp) - (ref - lp) - 1;
    const h = 1e-6;
    expect(-0.1 * ((k3(-2 + h, -1) - k3(-2 - h, -1)) / (2 * h))).toBeCloseTo(w[1], 6);
  });

  it('computes group baselines', () => {
    expect(advantages([1, 0, 0, 1], 'rloo')).toEqual([1 - 1 / 3, -2 / 3, -2 / 3, 1 - 1 / 3]);
    expect(advantages([1, 1, 1], 'rloo')).toEqual([0, 0, 0]);
    const g = advantages([1, 0], 'grpo');
    expect(g[0]).toBeCloseTo(1, 4);
    expect(g[1]).toBeCloseTo(-1, 4);
  });

  it("averages an iteration's steps into its statistics", () => {
    const step = (reward: number, tokens: number) => ({
      meanReward: reward,
      solveRate: reward,
      meanKl: 0.1,
      meanTokens: tokens,
      loss: -reward,
      clipFraction: 0,
    });
    expect(meanRlStats([step(0.5, 100)])).toEqual(step(0.5, 100));
    const two = meanRlStats([step(0.25, 100), step(0.75, 200)]);
    expect(two.meanReward).toBeCloseTo(0.5, 12);
    expect(two.meanTokens).toBeCloseTo(150, 12);
    expect(two.meanKl).toBeCloseTo(0.1, 12);
  });

  it("weights tokens by PPO's clipped surrogate once samples are reused", () => {
    const old = [Math.log(0.5), Math.log(0.5), Math.log(0.5)];
    // ratios 1, 1.5, 0.5
    const now = [Math.log(0.5), Math.log(0.75), Math.log(0.25)];
    // A > 0: the clip binds where the ratio has risen past 1 + ε; a fallen ratio still pushes up.
    const up = ppoWeights(2, now, old, 0.2);
    expect(up[0]).toBeCloseTo(2, 12);
    expect(up[1]).toBe(0);
    expect(up[2]).toBeCloseTo(1, 12);
    // A < 0: it binds where the ratio has fallen below 1 − ε.
    const down = ppoWeights(-2, now, old, 0.2);
    expect(down[0]).toBeCloseTo(-2, 12);
    expect(down[1]).toBeCloseTo(-3, 12);
    expect(down[2]).toBe(0);
  });
});

describe('run state', () => {
  it('redoes a stage whose inputs changed, and keeps the partial outputs of an interrupted redo', () => {
    const dir = join(tmp, 'state');
    const first = new RunState(dir);
    first.start('sft', 'A');
    first.record('sft', 1, { loss: 1 }, 'A');
    expect(first.done('sft', 'A')).toBe(true);
    expect(first.done('sft', 'B')).toBe(false);
    expect(first.stale('sft', 'B')).toBe(true);
    first.start('sft', 'B'); // the redo starts, then the process is killed
    const after = new RunState(dir);
    expect(after.done('sft', 'B')).toBe(false);
    expect(after.stale('sft', 'B')).toBe(false); // its checkpoints are B's: resume them
    expect(after.stale('sft', 'A')).toBe(true);
    expect(fingerprint({ a: 1 }, 2)).toBe(fingerprint({ a: 1 }, 2));
    expect(fingerprint({ a: 1 }, 2)).not.toBe(fingerprint({ a: 2 }, 2));
  });

  it("sums a stage's seconds over its attempts, and starts over when its inputs change", async () => {
    const dir = join(tmp, 'segments');
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const failing = new RunState(dir);
    await expect(
      failing.timed('eval', 'A', async () => {
        await sleep(120);
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    const firstAttempt = new RunState(dir).spent('eval', 'A');
    expect(firstAttempt).toBeGreaterThanOrEqual(0.1);
    const again = new RunState(dir);
    const { seconds } = await again.timed('eval', 'A', async () => sleep(60));
    expect(seconds).toBeGreaterThanOrEqual(firstAttempt + 0.05);
    again.record('eval', seconds, {}, 'A');
    expect(new RunState(dir).spent('eval', 'A')).toBe(0); // recorded: nothing pending
    again.saveSpent('eval', 'A', 30);
    expect(new RunState(dir).spent('eval', 'B')).toBe(0); // other inputs: a fresh start
  });
});

describe('report', () => {
  it('renders the table and an offline HTML report with plots', async () => {
    const r = {
      name: 't',
      comparisons: [],
      models: {
        cot: {
          accuracy: 0.25,
          ci95: [0.2, 0.3] as [number, number],
          mean_tokens: 50,
          n_eval: 1000,
          symbolic_unsolved: 10,
          solved_symbolic_unsolved: 1,
          n_distinct: 800,
          goal_checks: { hits: 240, misses: 0, false_goals: 9, rejections: 0 },
        },
        metacot: {
          accuracy: 0.5,
          ci95: [0.45, 0.55] as [number, number],
          mean_tokens: 150,
          n_eval: 1000,
          symbolic_unsolved: 10,
          solved_symbolic_unsolved: 3,
          n_distinct: 1000,
          goal_checks: { hits: 500, misses: 20, false_goals: 30, rejections: 2970 },
          held_out_inputs: {
            accuracy: 0.625,
            ci95: [0.6, 0.65] as [number, number],
            mean_tokens: 110,
            n_eval: 800,
            symbolic_unsolved: 0,
            solved_symbolic_unsolved: 0,
            n_distinct: 800,
            goal_checks: { hits: 700, misses: 10, false_goals: 5, rejections: 900 },
          },
        },
      },
      curves: {
        cot: [
          { step: 1, loss: 3 },
          { step: 2, loss: 2 },
        ],
      },
      iterations: {
        rl: [
          { iteration: 0, accuracy: 0.5, mean_tokens: 150, n_eval: 1000 },
          { iteration: 1, accuracy: 0.55, mean_tokens: 120, n_eval: 1000 },
        ],
      },
      stages: { data: { seconds: 1.5 } },
      config: { seed: 0 },
    };
    const table = resultsTable(r);
    expect(table).toMatch(
      /CoT \(optimal path\)\s+25\.0%\s+20\.0%–30\.0%\s+50\.0\s+1000 \(800 distinct\)\s+1\/10\s+240\/240\s+9\/9/,
    );
    expect(table).toMatch(
      /Meta-CoT \(stream of search\)\s+50\.0%\s+45\.0%–55\.0%\s+150\.0\s+1000\s+3\/10\s+500\/520\s+30\/3000/,
    );
    // Held-out inputs get their own block, after held-out targets, with only the models that have them.
    const [targets, inputs] = table.split('held-out inputs (test)');
    expect(targets).toMatch(/^held-out targets \(test\)\n/);
    expect(inputs).toMatch(
      /Meta-CoT \(stream of search\)\s+62\.5%\s+60\.0%–65\.0%\s+110\.0\s+800\s+0\/0\s+700\/710\s+5\/905/,
    );
    expect(inputs).not.toMatch(/CoT \(optimal path\)/);
    // With the goal test the checks are the tool's: their columns give way to the tools' share of tokens.
    const withTools = resultsTable({
      ...r,
      comparisons: [],
      models: { cot: { ...r.models.cot, mean_tool_tokens: 5.25 } },
      config: { tools: ['calculator', 'goal-test'] },
    });
    expect(withTools).toMatch(
      /CoT \(optimal path\)\s+25\.0%\s+20\.0%–30\.0%\s+50\.0\s+5\.3\s+1000 \(800 distinct\)\s+1\/10\n/,
    );
    expect(withTools).not.toMatch(/called goal/);
    expect(withTools).toMatch(
      /tools \(every model alike, except the "no tools" rows\): calculator, goal-test/,
    );
    const html = await reportHtml(r);
    expect(html.match(/<svg/g)?.length).toBe(5);
    expect(html).toMatch(/held-out inputs/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('time left', () => {
  it('estimates from the config and rescales by how long stages really took', async () => {
    const { secondsLeft, estimateStageSeconds } = await import('./eta.js');
    const cfg = defaultConfig();
    const all = ['data', 'sft_cot', 'sft_metacot', 'eval_cot'];
    const fresh = secondsLeft(cfg, all, []);
    expect(fresh).toBeGreaterThan(estimateStageSeconds(cfg, 'sft_cot'));
    // data generation finishing fast says nothing about training speed
    expect(secondsLeft(cfg, all.slice(1), [{ name: 'data', seconds: 0.1 }])).toBeCloseTo(
      fresh - estimateStageSeconds(cfg, 'data'),
      6,
    );
    // training twice as slow as planned doubles what is left
    const sft = estimateStageSeconds(cfg, 'sft_cot');
    const left = secondsLeft(cfg, all.slice(2), [{ name: 'sft_cot', seconds: 2 * sft }]);
    expect(left).toBeCloseTo(
      2 * (estimateStageSeconds(cfg, 'sft_metacot') + estimateStageSeconds(cfg, 'eval_cot')),
      6,
    );
  });

  it('counts every RL step of an iteration, and its one evaluation', async () => {
    const { estimateStageSeconds } = await import('./eta.js');
    const one = parseRunConfig({ rl: { steps: 1 } });
    const three = parseRunConfig({ rl: { steps: 3 } });
    // Meta-RL's model is evaluated once, with the tools: half of eval_metacot (with and without them).
    const evalOnly = estimateStageSeconds(one, 'eval_metacot') / 2;
    const step = estimateStageSeconds(one, 'rl_1') - evalOnly;
    expect(step).toBeGreaterThan(0);
    expect(estimateStageSeconds(three, 'rl_1')).toBeCloseTo(evalOnly + 3 * step, 6);
  });
});
