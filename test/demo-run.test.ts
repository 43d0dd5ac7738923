import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, type Op } from '../src/countdown/arithmetic.js';
import { verifyCountdown } from '../src/countdown/verify.js';
import { loadCheckpoint } from '../src/engine/checkpoint.js';
import { metacot, ROOT } from './cli.js';

const TOOL_MODELS = ['cot', 'cot_resample', 'metacot', 'metacot_star', 'metacot_rl'];
const MODELS = [...TOOL_MODELS, 'cot_no_tools', 'metacot_no_tools'];

const tmp = mkdtempSync(join(tmpdir(), 'metacot-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Starts the smoke run and SIGKILLs it as soon as `stage` is recorded as done. */
function runUntil(out: string, stage: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist/cli/main.js'), 'run', 'configs/smoke.yaml', '--out', out],
      { cwd: ROOT, stdio: 'ignore' },
    );
    const timer = setInterval(() => {
      const file = join(out, 'stages.json');
      if (existsSync(file) && stage in JSON.parse(readFileSync(file, 'utf8'))) child.kill('SIGKILL');
    }, 50);
    child.on('exit', () => {
      clearInterval(timer);
      resolve();
    });
    child.on('error', reject);
  });
}

describe('metacot run (smoke config)', () => {
  it('survives a kill, resumes without redoing finished stages, redoes stages whose config changed, and writes recomputable results', async () => {
    const out = join(tmp, 'smoke');
    await runUntil(out, 'sft_cot');
    const before = JSON.parse(readFileSync(join(out, 'stages.json'), 'utf8'));
    expect(before).toHaveProperty('sft_cot');
    expect(existsSync(join(out, 'results.json'))).toBe(false);

    const r = metacot(['run', 'configs/smoke.yaml', '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const after = JSON.parse(readFileSync(join(out, 'stages.json'), 'utf8'));
    for (const k of Object.keys(before)) expect(after[k]).toEqual(before[k]);
    expect(r.stderr).not.toMatch(/train CoT/); // finished stages are not run again

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    // Both test sets: held-out targets (top level, predictions/<key>.jsonl) and held-out inputs, and
    // their validation twins; every model with the run's tools, the SFT models without them too.
    const sets = MODELS.flatMap((key) => [
      { key, m: results[key], file: join(out, 'predictions', `${key}.jsonl`) },
      {
        key,
        m: results[key]?.held_out_inputs,
        file: join(out, 'predictions', 'test-inputs', `${key}.jsonl`),
      },
      { key, m: results[key]?.valid, file: join(out, 'predictions', 'valid', `${key}.jsonl`) },
      { key, m: results[key]?.valid_inputs, file: join(out, 'predictions', 'valid-inputs', `${key}.jsonl`) },
    ]);
    const testPrompts = new Set<string>();
    for (const { key, m, file } of sets) {
      expect(m, file).toBeDefined();
      const preds = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(m.n_eval).toBe(preds.length);
      // Every prompt (number multiset and target) once per set, and in no other set.
      const prompts = preds.map((p) => `${p.target}|${[...p.nums].sort((a, b) => a - b)}`);
      expect(m.n_distinct).toBe(preds.length);
      expect(new Set(prompts).size).toBe(preds.length);
      if (key === 'cot') {
        for (const q of prompts) expect(testPrompts.has(q)).toBe(false);
        for (const q of prompts) testPrompts.add(q);
      }
      const solved = preds.filter((p) => p.solution.length > 0 && verifyCountdown(p, p.solution).ok).length;
      expect(m.accuracy).toBeCloseTo(solved / preds.length, 12);
      expect(m.mean_tokens).toBeCloseTo(preds.reduce((a, p) => a + p.output_tokens, 0) / preds.length, 9);
      const tools = TOOL_MODELS.includes(key);
      for (const p of preds) {
        for (const f of ['nums', 'target', 'output', 'solution', 'solved']) expect(p).toHaveProperty(f);
        if (key === 'cot_resample') expect(p.attempts).toBeGreaterThanOrEqual(1);
        if (!tools) {
          expect(p).not.toHaveProperty('tool_tokens');
          continue;
        }
        // smoke.yaml runs with the demo's tools: the calculator's results are right wherever the rules allow
        // one (the smoke model rarely writes a whole step; evaluate.test.ts checks the tools' wiring).
        expect(p.tool_tokens).toBeLessThanOrEqual(p.output_tokens);
        for (const m of p.output.matchAll(/(\d+)([-+*/])(\d+)=(\d+)/g)) {
          const [, a, op, b, c] = m;
          const truth = evaluate(Number(a), op as Op, Number(b));
          if (truth === null || Number(a) > 999 || Number(b) > 999) continue; // exact in floats
          // The digits after "=" start with the true result (an untrained model may write more digits
          // after it), or end the output where its token budget cut the result short.
          const cut = m.index + m[0].length === p.output.length && String(truth).startsWith(c);
          expect(c.startsWith(String(truth)) || cut, `${a}${op}${b}=${c}`).toBe(true);
        }
      }
      // Goal checks, recounted with a plain pattern over the compact lines: `[r] vs t goal|no`.
      const verdicts = preds.flatMap((p) =>
        [...p.output.matchAll(/^try \d+[-+*/]\d+=(\d+) \[\d+\] vs \d+ (goal|no)$/gm)].map((v) => ({
          isTarget: Number(v[1]) === p.target,
          goal: v[2] === 'goal',
        })),
      );
      const g = m.goal_checks;
      // The goal test writes every check: none is wrong.
      if (tools) expect(g.misses + g.false_goals).toBe(0);
      expect([g.hits, g.misses, g.false_goals, g.rejections]).toEqual([
        verdicts.filter((v) => v.isTarget && v.goal).length,
        verdicts.filter((v) => v.isTarget && !v.goal).length,
        verdicts.filter((v) => !v.isTarget && v.goal).length,
        verdicts.filter((v) => !v.isTarget && !v.goal).length,
      ]);
    }
    expect(Object.keys(results.stages)).toContain('rl_1');
    // Every claim on every set, paired: recomputed here from the predictions.
    const claim = results.comparisons.find(
      (c: { set: string; a: string; b: string }) =>
        c.set === 'inputs' && c.a === 'metacot' && c.b === 'cot_resample',
    );
    const solvedIn = (key: string) =>
      readFileSync(join(out, 'predictions', 'test-inputs', `${key}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((p) => p.solution.length > 0 && verifyCountdown(p, p.solution).ok);
    const [a, b] = [solvedIn('metacot'), solvedIn('cot_resample')];
    expect(claim.a_only).toBe(a.filter((x, i) => x && !b[i]).length);
    expect(claim.b_only).toBe(a.filter((x, i) => !x && b[i]).length);
    expect(claim.p_mcnemar).toBeGreaterThan(0);
    expect(claim.p_mcnemar).toBeLessThanOrEqual(1);
    expect(new Set(results.comparisons.map((c: { set: string }) => c.set))).toEqual(
      new Set(['valid', 'valid-inputs', 'targets', 'inputs']),
    );
    expect(['metacot_rl', 'metacot_star']).toContain(results.rl_choice);

    // A validation-only run (how settings are chosen) reads no test set: nothing of them in its results.
    const vo = join(out, '..', 'validation-only');
    cpSync(out, vo, { recursive: true });
    const voFile = join(out, '..', 'validation-only.yaml');
    writeFileSync(
      voFile,
      readFileSync(join(ROOT, 'configs/smoke.yaml'), 'utf8').replace(
        /^eval: \{ (.*) \}$/m,
        'eval: { $1, validationOnly: true }',
      ),
    );
    const validated = metacot(['run', voFile, '--out', vo]);
    expect(validated.code).toBe(0);
    const v = JSON.parse(readFileSync(join(vo, 'results.json'), 'utf8'));
    expect(v.top_level_set).toMatch(/^validation/);
    expect(v.metacot.held_out_inputs).toBeUndefined();
    expect(v.metacot.n_eval).toBe(results.metacot.valid.n_eval);
    expect(new Set(v.comparisons.map((c: { set: string }) => c.set))).toEqual(
      new Set(['valid', 'valid-inputs']),
    );
    expect(validated.stdout).not.toMatch(/\(test\)/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<svg/);
    expect(r.stdout).toMatch(/Meta-CoT \+ RL/);

    // Best-of-k for a finished run's model: pass@k on both test sets, non-decreasing in k.
    const passk = metacot(['passk', out, '--model', 'cot', '--samples', '3', '--temperature', '1']);
    expect(passk.code).toBe(0);
    expect(passk.stdout).toMatch(/held-out inputs \(30 problems, 3 samples at T=1/);
    const sampled = JSON.parse(readFileSync(join(out, 'sampled', 'cot-n3-t1.json'), 'utf8'));
    expect(sampled.results.map((x: { set: string }) => x.set)).toEqual([
      'held-out targets',
      'held-out inputs',
    ]);
    for (const x of sampled.results) {
      expect(x.pass_at_k).toHaveLength(3);
      expect(x.pass_at_k[0]).toBeGreaterThanOrEqual(0);
      expect(x.pass_at_k[2]).toBeLessThanOrEqual(1);
      expect(x.pass_at_k[1]).toBeGreaterThanOrEqual(x.pass_at_k[0]);
      expect(x.pass_at_k[2]).toBeGreaterThanOrEqual(x.pass_at_k[1]);
    }
    const noModel = metacot(['passk', out, '--model', 'nope']);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/no model 'nope' \(models: .*cot/);

    // More RL iterations extend the run; a changed RL setting redoes RL, and nothing upstream of it.
    const smoke = readFileSync(join(ROOT, 'configs/smoke.yaml'), 'utf8');
    const withRl = (rl: string, into = out) => {
      const file = join(out, '..', 'edited.yaml');
      writeFileSync(file, smoke.replace(/^rl: .*$/m, `rl: { ${rl} }`));
      return metacot(['run', file, '--out', into]);
    };
    const extended = withRl('iterations: 2, problems: 8, group: 4');
    expect(extended.code).toBe(0);
    const s2 = JSON.parse(readFileSync(join(out, 'stages.json'), 'utf8'));
    for (const k of Object.keys(after)) expect(s2[k]).toEqual(after[k]);
    expect(s2).toHaveProperty('rl_2');

    // Steps run on across iterations: one iteration of two steps reaches the same weights as two of one.
    const twoSteps = join(out, '..', 'two-steps');
    cpSync(out, twoSteps, { recursive: true });
    const stepped = withRl('iterations: 1, steps: 2, problems: 8, group: 4', twoSteps);
    expect(stepped.code).toBe(0);
    for (const step of ['1.1', '1.2'])
      expect(stepped.stdout + stepped.stderr).toMatch(new RegExp(`RL ${step}: reward`));
    const weights = (run: string, k: number) => {
      const model = join(run, 'models', `rl_${k}`);
      const file = readdirSync(model).find((f) => f.startsWith('model-'));
      return readFileSync(join(model, file!));
    };
    expect(weights(twoSteps, 1).equals(weights(out, 2))).toBe(true);
    // The smoke model solves nothing, so every group's rewards are equal and no sample has an advantage:
    // RL leaves the weights as SFT left them (no update driven by float noise in the KL term).
    expect(stepped.stdout + stepped.stderr).toMatch(/RL 1\.2: reward 0\.000, solved 0\.0%, KL 0\.000/);
    const sft = loadCheckpoint(join(out, 'models', 'metacot')).weights;
    const rl = loadCheckpoint(join(out, 'models', 'rl_1')).weights;
    for (const [name, w] of sft) expect(rl.get(name), name).toEqual(w);

    const changed = withRl('iterations: 2, problems: 8, group: 4, lr: 0.0003, epochs: 2');
    expect(changed.code).toBe(0);
    expect(changed.stdout + changed.stderr).toMatch(/rl_1: the config changed since it ran; recomputing it/);
    const s3 = JSON.parse(readFileSync(join(out, 'stages.json'), 'utf8'));
    for (const k of ['data', 'sft_cot', 'sft_metacot', 'eval_metacot', 'star_1'])
      expect(s3[k]).toEqual(s2[k]);
    for (const k of ['rl_1', 'rl_2']) expect(s3[k].inputs).not.toBe(s2[k].inputs);
    // Two epochs: the second reuses the samples under the PPO clip, and says how much it clipped.
    expect(s3.rl_1.result.train.clipFraction).toBeGreaterThanOrEqual(0);
    expect(s3.rl_1.result.train.clipFraction).toBeLessThanOrEqual(1);

    // Meta-RL on its own target values redoes STaR and RL, and nothing upstream of them.
    const ownFile = join(out, '..', 'own.yaml');
    writeFileSync(
      ownFile,
      smoke
        .replace(/^rl: .*$/m, 'rl: { iterations: 2, problems: 8, group: 4, lr: 0.0003, epochs: 2 }')
        .replace(/^data: \{ (.*) \}$/m, 'data: { $1, metaRlTargets: { min: 41, max: 50 } }'),
    );
    const own = metacot(['run', ownFile, '--out', out]);
    expect(own.code).toBe(0);
    const s4 = JSON.parse(readFileSync(join(out, 'stages.json'), 'utf8'));
    for (const k of ['data', 'sft_cot', 'sft_metacot', 'eval_metacot']) expect(s4[k]).toEqual(s3[k]);
    for (const k of ['star_1', 'rl_1', 'rl_2']) expect(s4[k].inputs).not.toBe(s3[k].inputs);

    // Fewer held-out inputs: new data and evaluations, the same SFT models (the train split is unchanged).
    const fewerFile = join(out, '..', 'fewer.yaml');
    writeFileSync(fewerFile, readFileSync(ownFile, 'utf8').replace('testInputs: 30', 'testInputs: 20'));
    const fewer = metacot(['run', fewerFile, '--out', out]);
    expect(fewer.code).toBe(0);
    const s5 = JSON.parse(readFileSync(join(out, 'stages.json'), 'utf8'));
    for (const k of ['sft_cot', 'sft_metacot']) expect(s5[k]).toEqual(s4[k]);
    for (const k of ['data', 'eval_cot', 'eval_metacot']) expect(s5[k].inputs).not.toBe(s4[k].inputs);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).cot.held_out_inputs.n_eval).toBe(20);

    // Without tools: the evaluations are redone (the model writes every token), SFT is not.
    const bareFile = join(out, '..', 'bare.yaml');
    writeFileSync(bareFile, `${readFileSync(fewerFile, 'utf8')}tools: []\n`);
    const bare = metacot(['run', bareFile, '--out', out]);
    expect(bare.code).toBe(0);
    const s6 = JSON.parse(readFileSync(join(out, 'stages.json'), 'utf8'));
    for (const k of ['data', 'sft_cot', 'sft_metacot']) expect(s6[k]).toEqual(s5[k]);
    for (const k of ['eval_cot', 'eval_metacot', 'rl_1']) expect(s6[k].inputs).not.toBe(s5[k].inputs);
    const first = JSON.parse(readFileSync(join(out, 'predictions', 'metacot.jsonl'), 'utf8').split('\n')[0]);
    expect(first).not.toHaveProperty('tool_tokens');
    expect(bare.stdout).not.toMatch(/tools \(every model alike\)/);
  }, 240_000);

  it('bench rl times RL steps of a finished run per phase, against a same-run matmul peak', () => {
    const r = metacot([
      'bench',
      'rl',
      '--run',
      join(tmp, 'smoke'),
      '--steps',
      '2',
      '--python',
      'none',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.peak_gflops).toBeGreaterThan(0);
    expect(j.step_s).toBeGreaterThan(0);
    expect(j.torch_step_s).toBeNull();
    for (const phase of ['sample', 'score', 'grad']) {
      expect(j.phases[phase].peak_fraction).toBeCloseTo(j.phases[phase].gflops / j.peak_gflops, 9);
    }
    expect(j.phases.sample.tokens).toBeGreaterThan(0);
    const missing = metacot(['bench', 'rl', '--run', join(tmp, 'nothing-here')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/holds no run.*metacot demo/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it("on SIGINT / SIGTERM says what is saved and how to resume; a stage's time sums its segments", async () => {
    const dir = join(tmp, 'signals');
    const config = join(tmp, 'signals.yaml');
    // the smoke task with longer training, so a signal lands mid-stage after a checkpoint (every 25 steps)
    writeFileSync(
      config,
      readFileSync(join(ROOT, 'configs/smoke.yaml'), 'utf8')
        .replace(/^sft: .*$/m, 'sft: { tokens: 200000, batchSize: 8, seqLen: 128 }')
        .replace(/^star: .*$/m, 'star: { enabled: false }')
        .replace(/^rl: .*$/m, 'rl: { enabled: false }'),
    );
    const interrupt = (model: string, signal: NodeJS.Signals) =>
      new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'run', config, '--out', dir], {
          cwd: ROOT,
        });
        let stderr = '';
        child.stderr.on('data', (c) => {
          stderr += c;
        });
        const timer = setInterval(() => {
          if (existsSync(join(dir, 'models', model, 'trainer.json'))) {
            clearInterval(timer);
            child.kill(signal);
          }
        }, 50);
        child.on('error', reject);
        child.on('close', (code) => {
          clearInterval(timer);
          resolve({ code, stderr });
        });
      });
    const spent = (stage: string) =>
      (JSON.parse(readFileSync(join(dir, 'elapsed.json'), 'utf8')) as Record<string, { seconds: number }>)[
        stage
      ]!.seconds;

    const first = await interrupt('cot', 'SIGINT');
    expect(first.code).toBe(130);
    expect(first.stderr).not.toMatch(/^\s+at /m);
    const line = first.stderr.trim().split('\n').at(-1)!;
    expect(line).toMatch(
      /^metacot: interrupted \(SIGINT\) in stage 2\/6 sft_cot at \d+\/196 steps; saved in .*: finished stages data; sft_cot's checkpoint at step \d+ in .*models\/cot\. The same command resumes at sft_cot: metacot run .*signals\.yaml --out .*signals$/,
    );
    const cotBefore = spent('sft_cot');
    expect(cotBefore).toBeGreaterThan(0);

    const second = await interrupt('metacot', 'SIGTERM');
    expect(second.code).toBe(143);
    expect(second.stderr.trim().split('\n').at(-1)).toMatch(
      /^metacot: interrupted \(SIGTERM\) in stage 3\/6 sft_metacot .*finished stages data, sft_cot; sft_metacot's checkpoint at step \d+/,
    );
    const metacotBefore = spent('sft_metacot');

    const done = metacot(['run', config, '--out', dir]);
    expect(done.code, done.stderr).toBe(0);
    const stages = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).stages;
    // each interrupted stage's wall time includes the segment before its interruption
    expect(stages.sft_cot.seconds).toBeGreaterThan(cotBefore);
    expect(stages.sft_metacot.seconds).toBeGreaterThan(metacotBefore);
    expect(JSON.parse(readFileSync(join(dir, 'elapsed.json'), 'utf8'))).toEqual({});
  }, 240_000);

  it('rejects a bad config with the file and field', () => {
    const r = metacot(['run', 'package.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/package.json: field/);
    expect(metacot(['run', 'nope.yaml']).stderr).toMatch(/nope.yaml: no such config file/);
  });
});
