import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIterateConfig } from './config.js';
import { ChildRegistry } from './processes.js';
import { trainPhase } from './train-phase.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-iterate-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const setup = (train: Record<string, unknown>, format = 'metacot-tokens') => {
  const cfg = parseIterateConfig({
    problems: 'p.jsonl',
    rounds: 1,
    policy: 'base',
    export: { format },
    train,
    server: { command: 'serve {checkpoint} {port}' },
  });
  const roundDir = join(dir, `r${Math.random().toString(36).slice(2)}`);
  mkdirSync(roundDir);
  const vars = {
    data: join(roundDir, 'sft.jsonl'),
    round: 1,
    init: 'base',
    base: 'base',
    out: join(roundDir, 'ckpt'),
    round_dir: roundDir,
    work: dir,
  };
  return { cfg, roundDir, vars, children: new ChildRegistry(join(roundDir, 'children.json')) };
};

describe('trainPhase', () => {
  it('returns the checkpoint once the ready file exists, and records the tokenizer for metacot serve', async () => {
    const a = setup({
      command: 'mkdir -p {out} && echo trained {data} > {out}/trainer.json',
      shell: true,
      ready: '{out}/trainer.json',
    });
    expect((await trainPhase(a)).checkpoint).toBe(a.vars.out);
    expect(readFileSync(join(a.vars.out, 'trainer.json'), 'utf8')).toBe(`trained ${a.vars.data}\n`);
    expect(JSON.parse(readFileSync(join(a.vars.out, 'metacot-tokenizer.json'), 'utf8')).id).toBe(
      'text-ascii-v1',
    );
  });

  it('fails with the end of train.log when the command fails', async () => {
    const a = setup({ command: 'echo loading; echo "CUDA out of memory" >&2; exit 3', shell: true });
    await expect(trainPhase(a)).rejects.toThrow(
      /train\.command failed \(code 3.*\n.*loading\nCUDA out of memory/,
    );
  });

  it('waits for the ready file, up to readyTimeout', async () => {
    const late = setup(
      {
        command: '(sleep 0.3; mkdir -p {out}; touch {out}/done) &',
        shell: true,
        ready: '{out}/done',
        readyTimeout: 5,
      },
      'chat',
    );
    expect((await trainPhase(late)).checkpoint).toBe(late.vars.out);
    const never = setup({ command: 'true', ready: '{out}/done', readyTimeout: 0.2 });
    await expect(trainPhase(never)).rejects.toThrow(/train\.ready: .*done does not exist 0\.2 s after/);
  });
});
