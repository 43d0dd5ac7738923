import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { EXPORT_FORMATS, type ExportFormat, exportDataset } from '../../export/index.js';
import { checkOutputPaths } from '../../io/paths.js';
import { choiceOption } from '../options.js';

/** `plain`, `explore`, `@file` (a template file), or template text with {problem}. */
export function templateArg(value: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8');
  } catch (err) {
    throw new UserError(`--template: cannot read ${value.slice(1)} (${(err as Error).message})`);
  }
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      "Write problems (RL) or SFT records in a distributed trainer's dataset schema.\n" +
        'Input JSONL: problems {problem, answer, source?, id?} or SFT records {prompt, completion} / {messages}.\n' +
        'verl → Parquet (data_source, prompt, ability, reward_model, extra_info; SFT: messages or prompt/response);\n' +
        'openrlhf → JSONL with your input/label (or input/output) keys; trl → prompt + answer (RL) or\n' +
        'prompt/completion or messages (SFT); chat → {messages}. Recipes: docs/scale-out.md.',
    )
    .requiredOption('--format <name>', `one of ${EXPORT_FORMATS.join(', ')}`, choiceOption(EXPORT_FORMATS))
    .requiredOption('--in <file>', 'input JSONL')
    .requiredOption('--out <file>', 'output file (written atomically: temp file, then rename)')
    .option(
      '--kind <kind>',
      'problems or sft (default: detected from the first line)',
      choiceOption(['problems', 'sft']),
    )
    .option(
      '--template <t>',
      'prompt for problems: plain (boxed answer), explore (in-context search), @file, or text with {problem}',
      'plain',
    )
    .option('--system <text>', 'system message first in chat-shaped outputs')
    .option(
      '--style <s>',
      'layout: verl SFT messages|pair; openrlhf SFT pair|messages; trl RL conversational|standard, ' +
        'trl SFT conversational|standard|messages',
    )
    .option('--input-key <k>', 'OpenRLHF --data.input_key', 'prompt')
    .option('--label-key <k>', 'OpenRLHF --data.label_key (RL)', 'label')
    .option('--output-key <k>', 'OpenRLHF --data.output_key (SFT)', 'response')
    .option('--data-source <name>', "verl data_source (default: each row's source, else metacot)")
    .option('--ability <name>', 'verl ability', 'math')
    .option('--split <name>', 'verl extra_info.split', 'train')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  metacot export --format verl --in problems.jsonl --out data/train.parquet\n' +
        '  metacot export --format openrlhf --in problems.jsonl --out prompts.jsonl --input-key prompt --label-key label\n' +
        '  metacot export --format trl --in traces.jsonl --out sft.jsonl --style conversational',
    )
    .action(async (o) => {
      checkOutputPaths(
        [
          { option: '--in', path: o.in },
          { option: '--template', path: o.template.startsWith('@') ? o.template.slice(1) : undefined },
        ],
        [{ option: '--out', path: o.out }],
      );
      const summary = await exportDataset({
        input: o.in,
        output: o.out,
        format: o.format as ExportFormat,
        kind: o.kind,
        template: templateArg(o.template),
        system: o.system,
        style: o.style,
        inputKey: o.inputKey,
        labelKey: o.labelKey,
        outputKey: o.outputKey,
        dataSource: o.dataSource,
        ability: o.ability,
        split: o.split,
      });
      process.stdout.write(
        `wrote ${summary.rows} ${summary.kind === 'problems' ? 'problems' : 'SFT records'} as ${o.format} to ${summary.output}\n`,
      );
    });
}
