import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { located, UserError } from '../../core/errors.js';
import type { Example } from '../../engine/batching.js';
import { hasCheckpoint, loadCheckpoint } from '../../engine/checkpoint.js';
import { DEFAULT_MODEL_CONFIG } from '../../engine/model-config.js';
import { train } from '../../engine/train.js';
import { readJsonl } from '../../io/jsonl.js';
import { checkOutputPaths } from '../../io/paths.js';
import { modelConfigFromFlags } from '../model-options.js';
import { floatOption, intOption } from '../options.js';

/** Reads `{"tokens": [...], "loss_mask": [...]}` lines (loss_mask optional, 1 = learn this token). */
async function readExamples(file: string): Promise<Example[]> {
  const out: Example[] = [];
  for await (const { line, value } of readJsonl(file)) {
    const tokens = value.tokens;
    const mask = value.loss_mask ?? value.lossMask;
    if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t) && t >= 0))
      throw new UserError(
        located({ file, line, field: 'tokens' }, 'expected an array of non-negative integers'),
      );
    if (
      mask !== undefined &&
      (!Array.isArray(mask) || mask.length !== tokens.length || !mask.every((m) => typeof m === 'number'))
    )
      throw new UserError(
        located({ file, line, field: 'loss_mask' }, 'expected an array of numbers as long as tokens'),
      );
    out.push({ tokens, lossMask: mask as number[] | undefined });
  }
  if (out.length === 0) throw new UserError(`${file}: no examples`);
  return out;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train a LLaMA-style model on pre-tokenized JSONL; resumes automatically from --out')
    .requiredOption('--data <file>', 'JSONL lines {"tokens": [...], "loss_mask": [...]} (loss_mask optional)')
    .requiredOption(
      '--out <dir>',
      'checkpoint folder: model-<step>.safetensors, optimizer-<step>.safetensors, trainer.json',
    )
    .option('--eval <file>', 'held-out JSONL in the same format')
    .option(
      '--init <dir>',
      "start from a finished checkpoint's weights (fine-tuning; its model shape replaces the shape flags)",
    )
    .option('--layers <n>', 'layers', intOption(1), DEFAULT_MODEL_CONFIG.nLayers)
    .option('--d-model <n>', 'model width', intOption(2), DEFAULT_MODEL_CONFIG.dModel)
    .option('--heads <n>', 'attention heads', intOption(1), DEFAULT_MODEL_CONFIG.nHeads)
    .option('--ff <n>', 'SwiGLU hidden width', intOption(1), DEFAULT_MODEL_CONFIG.dFF)
    .option('--vocab <n>', 'vocabulary size (default: largest token id + 1)', intOption(2))
    .option('--ctx <n>', 'context length', intOption(2), DEFAULT_MODEL_CONFIG.contextLength)
    .option('--tied', 'tie the output head to the token embedding', false)
    .option('--batch <n>', 'rows per micro-batch', intOption(1), 16)
    .option('--grad-accum <n>', 'micro-batches per optimizer step', intOption(1), 1)
    .option('--steps <n>', 'optimizer steps (default: from --epochs)', intOption(1))
    .option('--epochs <n>', 'epochs over --data when --steps is not given', floatOption(0.001, 1e6), 1)
    .option('--lr <x>', 'peak learning rate', floatOption(0, 10), 1e-3)
    .option('--warmup <n>', 'warmup steps', intOption(0), 0)
    .option('--weight-decay <x>', 'decoupled weight decay (matrices only)', floatOption(0, 10), 0.1)
    .option('--clip <x>', 'max global gradient norm (0: off)', floatOption(0, 1e9), 1)
    .option('--no-pack', 'one example per row, padded, instead of packing several per row')
    .option('--seed <n>', 'init and shuffle seed', intOption(0), 0)
    .option('--threads <n>', 'ONNX Runtime threads', intOption(1), 2)
    .option('--eval-every <n>', 'steps between evals on --eval', intOption(1))
    .option('--checkpoint-every <n>', 'steps between checkpoints (always one at the end)', intOption(1))
    .addHelpText(
      'after',
      '\nExample:\n  metacot train --data train.jsonl --eval val.jsonl --out runs/m1 --layers 2 --d-model 64 --heads 4 --ff 192 \\\n' +
        '    --ctx 128 --batch 32 --epochs 3 --lr 3e-3 --warmup 20 --eval-every 50 --checkpoint-every 100',
    )
    .action(async (o) => {
      checkOutputPaths(
        [
          { option: '--data', path: o.data },
          { option: '--eval', path: o.eval },
          { option: '--init', path: o.init },
        ],
        [{ option: '--out', path: o.out, writes: ['trainer.json'] }],
      );
      const data = await readExamples(o.data);
      const evalData = o.eval ? await readExamples(o.eval) : undefined;
      let maxId = 0;
      for (const e of [...data, ...(evalData ?? [])]) for (const t of e.tokens) maxId = Math.max(maxId, t);
      if (o.init !== undefined && !hasCheckpoint(o.init))
        throw new UserError(`--init ${o.init}: no checkpoint there (trainer.json missing)`);
      // Fine-tuning keeps the starting model's shape: its weights decide it, not the flags.
      const init = o.init !== undefined ? loadCheckpoint(o.init) : undefined;
      const vocab = init?.cfg.vocabSize ?? o.vocab ?? maxId + 1;
      if (maxId >= vocab) throw new UserError(`token id ${maxId} is outside the vocabulary of ${vocab}`);
      const cfg = init?.cfg ?? modelConfigFromFlags(o, vocab);
      const bar = process.stderr.isTTY
        ? new SingleBar({
            format:
              'train [{bar}] {value}/{total} steps | loss {loss} | eval {evalLoss} | {tps} tok/s | ETA {eta_formatted}',
            stream: process.stderr,
            hideCursor: true,
          })
        : undefined;
      let started = false;
      let lastEval = '-';
      const r = await train({
        cfg,
        data,
        evalData,
        steps: o.steps,
        epochs: o.steps === undefined ? o.epochs : undefined,
        batchSize: o.batch,
        gradAccum: o.gradAccum,
        lr: o.lr,
        warmup: o.warmup,
        weightDecay: o.weightDecay,
        clip: o.clip,
        pack: o.pack,
        seed: o.seed,
        threads: o.threads,
        init: init?.weights,
        checkpointDir: o.out,
        checkpointEvery: o.checkpointEvery,
        evalEvery: o.evalEvery,
        onProgress: (p) => {
          if (p.evalLoss !== undefined) lastEval = p.evalLoss.toFixed(4);
          const payload = { loss: p.loss.toFixed(4), evalLoss: lastEval, tps: Math.round(p.tokensPerS) };
          if (bar && !started) {
            bar.start(p.steps, p.step - 1, payload);
            started = true;
          }
          if (bar) bar.update(p.step, payload);
          else if (p.step % 10 === 0 || p.step === p.steps || p.evalLoss !== undefined)
            process.stderr.write(
              `step ${p.step}/${p.steps} loss ${payload.loss} eval ${lastEval} ${payload.tps} tok/s\n`,
            );
        },
      });
      bar?.stop();
      const last = r.losses.at(-1);
      const ev = r.evalLosses.at(-1);
      process.stdout.write(
        `${JSON.stringify({ out: o.out, steps: r.losses.length, loss: last, eval_loss: ev?.loss ?? null, vocab })}\n`,
      );
    });
}
