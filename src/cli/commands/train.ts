import { existsSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { hasCheckpoint, loadCheckpoint } from '../../engine/checkpoint.js';
import { DEFAULT_MODEL_CONFIG } from '../../engine/model-config.js';
import { train } from '../../engine/train.js';
import { checkOutputPaths } from '../../io/paths.js';
import { recordedTokenizer, TOKENIZER_FILE, tokenizerById, tokenizerIds } from '../../llm/tokenizer-file.js';
import { modelConfigFromFlags } from '../model-options.js';
import { floatOption, intOption } from '../options.js';
import { readTrainLines, toExamples } from './train-data.js';

/** Where the model's tokenizer comes from: the flag, else --init's record, else --out's (a resumed run). */
function pickTokenizer(o: { tokenizer?: string; init?: string; out: string }): string | undefined {
  if (o.tokenizer !== undefined) return o.tokenizer;
  if (o.init !== undefined) {
    const fromInit = recordedTokenizer(o.init);
    if (fromInit !== undefined) return fromInit;
  }
  return existsSync(o.out) ? recordedTokenizer(o.out) : undefined;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .summary('train a small LLaMA-style model on this CPU (text or token ids); ready to serve')
    .description(
      'Train a LLaMA-style model on our CPU engine; resumes automatically from --out.\n' +
        '--out then holds the checkpoint and metacot-tokenizer.json (its vocabulary),\n' +
        'so `metacot serve --model OUT`, `metacot search --backend engine:OUT` and\n' +
        '`metacot export gguf --model OUT` take it as it is. The vocabulary is the\n' +
        "tokenizer's, whatever ids the data happens to use.",
    )
    .requiredOption(
      '--data <file>',
      'JSONL, one example per line: {"text": "..."}, {"prompt": "...", "completion": "..."} (loss on the ' +
        'completion), or token ids {"tokens": [...], "loss_mask": [...]} (loss_mask optional)',
    )
    .requiredOption(
      '--out <dir>',
      `checkpoint folder: model-<step>.safetensors, optimizer-<step>.safetensors, trainer.json, ${TOKENIZER_FILE}`,
    )
    .option(
      '--tokenizer <id>',
      `the vocabulary: ${tokenizerIds().join(', ')} (default: --init's, else text-ascii-v1 for text data; ` +
        'token ids must be in it)',
    )
    .option('--eval <file>', 'held-out JSONL in the same format')
    .option(
      '--init <dir>',
      "start from a finished checkpoint's weights (fine-tuning; its model shape and tokenizer replace the flags)",
    )
    .option('--layers <n>', 'layers', intOption(1), DEFAULT_MODEL_CONFIG.nLayers)
    .option('--d-model <n>', 'model width', intOption(2), DEFAULT_MODEL_CONFIG.dModel)
    .option('--heads <n>', 'attention heads', intOption(1), DEFAULT_MODEL_CONFIG.nHeads)
    .option('--ff <n>', 'SwiGLU hidden width', intOption(1), DEFAULT_MODEL_CONFIG.dFF)
    .option(
      '--vocab <n>',
      'vocabulary size for token ids of no known tokenizer (the model then records none, and serving it ' +
        "needs --tokenizer); with --tokenizer it is the tokenizer's size",
      intOption(2),
    )
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
      '\nExamples:\n' +
        '  metacot train --data text.jsonl --out runs/m --layers 1 --d-model 48 --heads 4 --ff 96 --ctx 48 --steps 200 --lr 1e-2\n' +
        '  metacot serve --model runs/m --port 8000          # then POST /v1/completions\n' +
        '  metacot export gguf --model runs/m --out m.gguf   # for llama.cpp, or --backend gguf:m.gguf\n' +
        '  metacot train --data traces.jsonl --tokenizer countdown-v1 --eval val.jsonl --out runs/cd --layers 2 \\\n' +
        '    --d-model 64 --heads 4 --ff 192 --ctx 128 --batch 32 --epochs 3 --lr 3e-3 --warmup 20 --eval-every 50',
    )
    .action(async (o) => {
      checkOutputPaths(
        [
          { option: '--data', path: o.data },
          { option: '--eval', path: o.eval },
          { option: '--init', path: o.init },
        ],
        [{ option: '--out', path: o.out, writes: ['trainer.json', TOKENIZER_FILE] }],
      );
      const lines = await readTrainLines(o.data);
      const evalLines = o.eval ? await readTrainLines(o.eval) : undefined;
      if (o.init !== undefined && !hasCheckpoint(o.init))
        throw new UserError(`--init ${o.init}: no checkpoint there (trainer.json missing)`);
      // Fine-tuning keeps the starting model's shape: its weights decide it, not the flags.
      const init = o.init !== undefined ? loadCheckpoint(o.init) : undefined;
      const hasText = lines.hasText || Boolean(evalLines?.hasText);
      const tokenizerId = pickTokenizer(o) ?? (hasText ? 'text-ascii-v1' : undefined);
      const tok = tokenizerId !== undefined ? tokenizerById(tokenizerId) : undefined;
      if (tok === undefined && init === undefined && o.vocab === undefined)
        throw new UserError(
          `${o.data} holds token ids: name their vocabulary with --tokenizer ID (${tokenizerIds().join(', ')}), ` +
            'so that the model can be served, or give --vocab N for ids of no known tokenizer',
        );
      if (tok !== undefined && init === undefined && o.vocab !== undefined && o.vocab !== tok.pieces.length)
        throw new UserError(
          `--vocab ${o.vocab}: the model's vocabulary is tokenizer '${tok.id}' (${tok.pieces.length} tokens); leave --vocab out`,
        );
      const vocab: number = init?.cfg.vocabSize ?? tok?.pieces.length ?? o.vocab;
      const data = toExamples(lines, tok, vocab);
      const evalData = evalLines ? toExamples(evalLines, tok, vocab) : undefined;
      const unknown = data.unknown + (evalData?.unknown ?? 0);
      if (unknown > 0)
        process.stderr.write(
          `warning: ${unknown} characters have no token in '${tok?.id}' and were encoded as <unk>\n`,
        );
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
        data: data.examples,
        evalData: evalData?.examples,
        tokenizer: tok?.id,
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
      if (tok === undefined)
        process.stderr.write(
          `warning: no tokenizer: ${o.out} records no vocabulary, so serving or exporting it will need --tokenizer ID\n`,
        );
      const last = r.losses.at(-1);
      const ev = r.evalLosses.at(-1);
      process.stdout.write(
        `${JSON.stringify({ out: o.out, steps: r.losses.length, loss: last, eval_loss: ev?.loss ?? null, vocab, tokenizer: tok?.id ?? null })}\n`,
      );
    });
}
