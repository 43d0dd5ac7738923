import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { UserError } from '../../core/errors.js';
import { EXPORT_FORMATS, type ExportFormat, exportDataset } from '../../export/index.js';
import { checkOutputPaths } from '../../io/paths.js';
import { choiceOption } from '../options.js';
import { registerExportGguf } from './export-gguf.js';

/** `plain`, `explore`, `@file` (a template file), or template text with {problem}. */
export function templateArg(value: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8');
  } catch (err) {
    throw new UserError(`--template: cannot read ${value.slice(1)} (${(err as Error).message})`);
  }
}

/** The layouts `--layout` picks among, per format and kind (each exporter checks its own). */
const LAYOUT_HELP =
  'record layout (default: the first of each): verl SFT messages|pair; openrlhf SFT pair|messages; ' +
  'trl RL conversational|standard; trl SFT conversational|standard|messages';

export function registerExport(program: Command): void {
  const exportCmd = program
    .command('export')
    .summary('write problems or SFT records as verl/OpenRLHF/TRL/chat data; `export gguf`: a model')
    .usage(
      '--format <name> --in <file> --out <file> [options]\n       metacot export gguf --model <dir> --out <file.gguf>',
    )
    .description(
      "Write problems (RL) or SFT records in a distributed trainer's dataset schema.\n" +
        '`metacot export gguf` writes a trained model instead (see its --help).\n\n' +
        'Input JSONL: problems {problem, answer, source?, id?} (question and gold\n' +
        'are read as problem and answer, as `metacot search` does), or SFT records\n' +
        '{prompt, completion} / {messages}. Formats:\n' +
        '  verl      Parquet: data_source, prompt, ability, reward_model, extra_info\n' +
        '            (SFT: messages, or prompt/response)\n' +
        '  openrlhf  JSONL with your input/label (SFT: input/output) keys\n' +
        '  trl       prompt + answer (RL); prompt/completion or messages (SFT)\n' +
        '  chat      {messages}\n' +
        'Recipes: docs/scale-out.md.',
    )
    // Not requiredOption: commander would then ask for them under `export gguf` too (it checks a
    // subcommand's ancestors); the action checks them instead.
    .option('--format <name>', `one of ${EXPORT_FORMATS.join(', ')} (required)`, choiceOption(EXPORT_FORMATS))
    .option('--in <file>', 'input JSONL (required)')
    .option('--out <file>', 'output file (required; written atomically: temp file, then rename)')
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
    .option('--layout <name>', LAYOUT_HELP)
    .addOption(new Option('--style <name>', 'deprecated: --layout').hideHelp())
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
        '  metacot export --format trl --in traces.jsonl --out sft.jsonl --layout conversational\n' +
        '  metacot export gguf --model runs/m --out m.gguf      # a `metacot train` checkpoint for llama.cpp',
    )
    .action(async (o, cmd: Command) => {
      for (const flag of ['format', 'in', 'out'] as const)
        if (o[flag] === undefined) cmd.error(`error: required option '--${flag}' not specified`);
      if (o.style !== undefined) {
        process.stderr.write('warning: --style is deprecated for `metacot export`: use --layout\n');
        if (o.layout !== undefined && o.layout !== o.style)
          throw new UserError(`--layout ${o.layout} and --style ${o.style} disagree: give --layout only`);
      }
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
        style: o.layout ?? o.style,
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
  registerExportGguf(exportCmd);
}
