import type { Command } from 'commander';
import { checkOutputPaths } from '../../io/paths.js';
import { exportCheckpointGguf } from '../../llm/checkpoint-gguf.js';
import { TOKENIZER_FILE, tokenizerIds } from '../../llm/tokenizer-file.js';

/** `metacot export gguf`: a checkpoint of our engine as a GGUF file (llama architecture, F32). */
export function registerExportGguf(exportCmd: Command): void {
  exportCmd
    .command('gguf')
    .description(
      'Write a checkpoint of our engine (`metacot train --out DIR`) as a GGUF file\n' +
        'that llama.cpp and node-llama-cpp load: its latest weights (F32, llama\n' +
        `architecture) and the vocabulary its ${TOKENIZER_FILE} names.\n` +
        'Use the file with --backend gguf:FILE or `metacot serve --model FILE`.',
    )
    .summary('write a `metacot train` checkpoint as a GGUF file (llama.cpp)')
    .requiredOption('--model <dir>', 'checkpoint folder (trainer.json, model-<step>.safetensors)')
    .requiredOption('--out <file>', 'the .gguf file to write (atomically: temp file, then rename)')
    .option(
      '--tokenizer <id>',
      `vocabulary for a checkpoint without ${TOKENIZER_FILE} (${tokenizerIds().join(', ')})`,
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  metacot train --data text.jsonl --out runs/m --steps 200\n' +
        '  metacot export gguf --model runs/m --out m.gguf\n' +
        '  metacot serve --model m.gguf --port 8000\n' +
        '  metacot search --problems math.jsonl --backend gguf:m.gguf --out runs/search.sqlite',
    )
    .action(async (o) => {
      checkOutputPaths([{ option: '--model', path: o.model }], [{ option: '--out', path: o.out }]);
      const r = await exportCheckpointGguf(o.model, o.out, {
        tokenizer: o.tokenizer,
        warn: (line) => process.stderr.write(`warning: ${line}\n`),
      });
      const mb = (r.bytes / 1e6).toFixed(1);
      process.stdout.write(
        `wrote ${r.path} (${mb} MB): step ${r.step}, tokenizer ${r.tokenizer}, ${r.vocabSize} tokens\n`,
      );
    });
}
