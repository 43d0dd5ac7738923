/**
 * A round's training: the user's `train.command` (any trainer: `metacot train`, `torchrun … trl sft …`,
 * verl, OpenRLHF) run through /bin/sh in its own process group, output in `train.log`; then the checkpoint
 * is ready when `train.ready` exists (waited for up to `train.readyTimeout`, for trainers that finish
 * writing after they exit). A rerun after a kill runs the command again: resuming is the trainer's job
 * (`metacot train` resumes from the checkpoint in `--out` by itself).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { fill, prepareCommand } from '../io/shell-words.js';
import { TOKENIZER_FILE, writeTokenizerFile } from '../llm/tokenizer-file.js';
import type { IterateConfig } from './config.js';
import type { ChildRegistry } from './processes.js';
import { logTail } from './server.js';

export interface TrainPhaseArgs {
  cfg: IterateConfig;
  roundDir: string;
  /** Values of {data} {round} {init} {base} {out} {round_dir} {work}. */
  vars: Record<string, string | number>;
  children: ChildRegistry;
}

/** Runs the trainer; returns the checkpoint the next round serves and the command as run. */
export async function trainPhase(a: TrainPhaseArgs): Promise<{ checkpoint: string; command: string }> {
  const { cfg, roundDir, vars } = a;
  const log = join(roundDir, 'train.log');
  const prepared = prepareCommand(cfg.train.command, vars, cfg.train.shell);
  const command = prepared.display;
  const child = a.children.spawn('train', prepared, log);
  const r = await child.exited;
  if (r.code !== 0)
    throw new UserError(
      `train.command failed (code ${r.code}, signal ${r.signal}); last lines of ${log}:\n${logTail(log)}`,
    );
  const ready = fill(cfg.train.ready, vars);
  const deadline = Date.now() + cfg.train.readyTimeout * 1000;
  while (!existsSync(ready)) {
    if (Date.now() > deadline)
      throw new UserError(
        `train.ready: ${ready} does not exist ${cfg.train.readyTimeout} s after train.command finished`,
      );
    await new Promise((res) => setTimeout(res, 500));
  }
  const checkpoint = fill(cfg.train.checkpoint, vars);
  if (!existsSync(checkpoint))
    throw new UserError(`train.checkpoint: ${checkpoint} does not exist after training`);
  // `metacot train` takes token ids and cannot know their vocabulary: iterate tokenized the data, so it
  // records the tokenizer where `metacot serve` looks for it (docs/llm-backends.md)
  if (
    cfg.export.format === 'metacot-tokens' &&
    statSync(checkpoint).isDirectory() &&
    !existsSync(join(checkpoint, TOKENIZER_FILE))
  )
    writeTokenizerFile(checkpoint, cfg.export.tokenizer);
  return { checkpoint, command };
}
