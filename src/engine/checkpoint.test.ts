/**
 * What a kill during a checkpoint write leaves behind (`*.safetensors.tmp-<pid>`) is removed when the
 * checkpoint is next loaded (a resume) or saved, but only where its writer no longer runs: a concurrent
 * writer's temporary file in the same folder is left alone.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint.js';
import type { ModelConfig } from './model-config.js';
import { Trainer } from './trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CFG: ModelConfig = {
  vocabSize: 11,
  dModel: 16,
  nLayers: 1,
  nHeads: 2,
  dFF: 32,
  contextLength: 16,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};

describe('checkpoint temporary files', () => {
  it('are removed on resume when their writer is dead, kept while it runs', async () => {
    const t = await Trainer.create({ cfg: CFG, seed: 1, threads: 1 });
    await t.save(dir);
    // a pid that certainly ran and has exited: a child we waited for
    const dead = spawnSync('true').pid!;
    const live = spawn('sleep', ['30']);
    try {
      const stale = join(dir, `model-00000025.safetensors.tmp-${dead}`);
      const staleJson = join(dir, `trainer.json.tmp-${dead}`);
      const busy = join(dir, `optimizer-00000025.safetensors.tmp-${live.pid}`);
      for (const f of [stale, staleJson, busy]) writeFileSync(f, 'half a checkpoint');
      loadCheckpoint(dir);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(staleJson)).toBe(false);
      expect(existsSync(busy)).toBe(true);
      // a save cleans the same way
      writeFileSync(stale, 'half a checkpoint');
      await t.save(dir);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(busy)).toBe(true);
    } finally {
      live.kill('SIGKILL');
    }
  });
});
