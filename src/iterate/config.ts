import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { EXPORT_FORMATS } from '../export/index.js';
import { parseConfig, readConfigFile } from '../io/config-file.js';
import { fillForShell, parseTemplate, placeholders, ShellTemplateError } from '../io/shell-words.js';
import { TEXT_TOKENIZERS } from '../llm/text-tokenizer.js';
import { LINEARIZE_STYLES } from '../reasoning/linearize.js';
import { LM_ALGORITHMS } from '../reasoning/run.js';

const int = (min: number) => z.number().int().min(min);
const seconds = z.number().positive();

/** `metacot-tokens`: `{tokens, loss_mask}` lines for `metacot train`; the others are src/export's formats. */
export const ITERATE_FORMATS = [...EXPORT_FORMATS, 'metacot-tokens'] as const;
export type IterateFormat = (typeof ITERATE_FORMATS)[number];

/** Placeholders each shell template may use (anything else in braces is a config error). */
export const TRAIN_PLACEHOLDERS = ['data', 'round', 'init', 'base', 'out', 'round_dir', 'work'] as const;
export const SERVER_PLACEHOLDERS = ['checkpoint', 'port', 'round', 'round_dir', 'work'] as const;

const SearchSchema = z.strictObject({
  algorithm: z.enum(LM_ALGORITHMS).default('mcts'),
  value: z.enum(['rollout', 'prm', 'judge']).default('rollout'),
  rollouts: int(1).default(16),
  rolloutTokens: int(1).default(1024),
  prmUrl: z.string().optional(),
  judgeSamples: int(1).default(8),
  branching: int(1).default(4),
  width: int(1).default(4),
  subtrees: int(1).default(4),
  n: int(1).default(16),
  aggregate: z.enum(['majority', 'weighted', 'best']).default('majority'),
  exploration: z.number().min(0).max(100).default(Math.SQRT2),
  keepSearching: z.boolean().default(false),
  /** `math`, `math-chat`, or a JSON template file (as `metacot search --template`). */
  template: z.string().default('math'),
  /** `blank-line`, `newline` or `marker:TEXT` (as `metacot search --segment`). */
  segment: z.string().default('blank-line'),
  temperature: z.number().min(0).max(10).default(1),
  maxStepTokens: int(1).default(256),
  maxSteps: int(1).default(24),
  maxNodes: int(1).optional(),
  maxTokens: int(1).optional(),
  maxTime: seconds.optional(),
  /** Round k searches with seed + k − 1, so every round draws fresh samples. */
  seed: int(0).default(0),
  concurrency: int(1).default(4),
});

const ExportSchema = z.strictObject({
  format: z.enum(ITERATE_FORMATS).default('chat'),
  /** Linearization: natural-language Meta-CoT or [BACK] tokens. */
  style: z.enum(LINEARIZE_STYLES).default('nl'),
  values: z.boolean().default(false),
  /** metacot-tokens: the vocabulary (the served model's); written as metacot-tokenizer.json next to each new checkpoint. */
  tokenizer: z
    .string()
    .refine(
      (t) => t in TEXT_TOKENIZERS,
      `unknown tokenizer (known: ${Object.keys(TEXT_TOKENIZERS).join(', ')})`,
    )
    .default('text-ascii-v1'),
  /** Exporter layout, as `metacot export --layout` (trl: conversational|standard|messages, …). */
  layout: z.string().optional(),
  system: z.string().optional(),
});

/**
 * Run a command template through /bin/sh (pipes, `&&`, `$VAR`, redirections). Off by default: the template
 * is split into words first and run without a shell, each placeholder one argument (io/shell-words.ts).
 */
const shell = z.boolean().default(false);

const TrainSchema = z.strictObject({
  /** Command, e.g. `torchrun … trl sft … --dataset {data} --output_dir {out}`; run without a shell unless `shell`. */
  command: z.string().min(1),
  shell,
  /** What the next round serves, once training is done. */
  checkpoint: z.string().default('{out}'),
  /** A file whose existence says the checkpoint is complete (checked after the command exits 0). */
  ready: z.string().default('{out}'),
  readyTimeout: seconds.default(600),
});

const ServerSchema = z
  .strictObject({
    /** Command that serves `{checkpoint}` on `{port}` (started and stopped by iterate each round). */
    command: z.string().min(1).optional(),
    /** Run `command` through /bin/sh (see train.shell). */
    shell,
    /** Base URL including /v1; with `command`, default http://127.0.0.1:{port}/v1. */
    url: z.string().min(1).optional(),
    /** Fixed port for `{port}`; default: a free port picked at each start. */
    port: int(1).max(65535).optional(),
    /** External server (url without command): how it loads a new checkpoint. */
    reload: z.strictObject({ command: z.string().min(1), shell }).optional(),
    model: z.string().optional(),
    mode: z.enum(['completions', 'chat']).default('completions'),
    /** HTTP retries per request (OpenAIBackend), before the round's own recovery. */
    retries: int(0).default(4),
    timeoutMs: int(1).default(300_000),
    readyTimeout: seconds.default(300),
    stopTimeout: seconds.default(10),
    /** Times a round's search recovers from a dead endpoint (restart, or wait for an external one). */
    maxRestarts: int(0).default(3),
    retryDelay: z.number().min(0).default(5),
  })
  .refine((s) => s.command !== undefined || s.url !== undefined, {
    message: 'give command (a server iterate starts) or url (an external server)',
  })
  .refine((s) => s.command === undefined || s.reload === undefined, {
    message: 'reload is for an external server (url without command)',
    path: ['reload'],
  });

export const IterateConfigSchema = z.strictObject({
  /** JSONL problems with verifiable answers (as `metacot search --problems`). */
  problems: z.string().min(1),
  rounds: int(1),
  /** The round-1 policy: what `{checkpoint}` serves first, `{init}` of round 1 and `{base}` always. */
  policy: z.string().min(1),
  search: SearchSchema.prefault({}),
  export: ExportSchema.prefault({}),
  train: TrainSchema,
  server: ServerSchema,
});

export type IterateConfig = z.infer<typeof IterateConfigSchema>;

function checkTemplate(text: string | undefined, allowed: readonly string[], field: string, source: string) {
  if (text === undefined) return;
  for (const name of placeholders(text))
    if (!allowed.includes(name))
      throw new UserError(
        `${source}: field '${field}': unknown placeholder {${name}} (known: ${allowed.map((a) => `{${a}}`).join(' ')})`,
      );
}

/** A command template: runnable without a shell, or (opted in) fillable safely for one. */
function checkCommand(
  text: string | undefined,
  useShell: boolean,
  allowed: readonly string[],
  field: string,
  source: string,
) {
  if (text === undefined) return;
  checkTemplate(text, allowed, field, source);
  const optIn = `${field.replace(/command$/, 'shell')}: true`;
  if (useShell) {
    try {
      fillForShell(text, Object.fromEntries(allowed.map((a) => [a, 'x'])));
    } catch (err) {
      if (err instanceof ShellTemplateError)
        throw new UserError(`${source}: field '${field}': ${err.message}`);
      throw err;
    }
    return;
  }
  const parsed = parseTemplate(text, (name) => allowed.includes(name));
  if (parsed.kind === 'error') throw new UserError(`${source}: field '${field}': ${parsed.error}`);
  if (parsed.kind === 'needs-shell')
    throw new UserError(
      `${source}: field '${field}': uses shell syntax (${parsed.feature}), but runs without a shell; ` +
        `set ${optIn} to run it with /bin/sh (each placeholder is then single-quoted), or wrap it in a script`,
    );
}

export function parseIterateConfig(raw: unknown, source = 'config'): IterateConfig {
  const c = parseConfig(IterateConfigSchema, raw, source);
  checkCommand(c.train.command, c.train.shell, TRAIN_PLACEHOLDERS, 'train.command', source);
  checkTemplate(c.train.checkpoint, TRAIN_PLACEHOLDERS, 'train.checkpoint', source);
  checkTemplate(c.train.ready, TRAIN_PLACEHOLDERS, 'train.ready', source);
  checkCommand(c.server.command, c.server.shell, SERVER_PLACEHOLDERS, 'server.command', source);
  checkTemplate(c.server.url, SERVER_PLACEHOLDERS, 'server.url', source);
  checkCommand(
    c.server.reload?.command,
    c.server.reload?.shell ?? false,
    SERVER_PLACEHOLDERS,
    'server.reload.command',
    source,
  );
  if (c.server.command !== undefined && c.server.url === undefined && !c.server.command.includes('{port}'))
    throw new UserError(
      `${source}: field 'server.command': use {port}, or give server.url with the port the command listens on`,
    );
  if (c.server.command === undefined && c.server.reload === undefined && c.rounds > 1)
    throw new UserError(
      `${source}: field 'server.reload': an external server needs reload.command to serve each new checkpoint`,
    );
  if (c.search.value === 'prm' && c.search.prmUrl === undefined)
    throw new UserError(`${source}: field 'search.prmUrl': value 'prm' needs prmUrl`);
  if (c.search.algorithm === 'best-of-n' && c.search.aggregate !== 'majority' && c.search.value === 'rollout')
    throw new UserError(
      `${source}: field 'search.aggregate': ${c.search.aggregate} needs value prm or judge (rollout values of final answers use the gold)`,
    );
  return c;
}

export function loadIterateConfig(file: string): IterateConfig {
  return parseIterateConfig(readConfigFile(file), file);
}
