import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIterateConfig } from './config.js';
import { ChildRegistry } from './processes.js';
import { searchPhase } from './search-phase.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-iterate-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('searchPhase', () => {
  it('restarts a server that dies before answering, up to maxRestarts, then fails with its log', async () => {
    const cfg = parseIterateConfig({
      problems: 'unused.jsonl',
      rounds: 1,
      policy: 'base',
      train: { command: 'true' },
      server: { command: 'echo "cannot bind port {port}" >&2; exit 3', shell: true, maxRestarts: 2 },
    });
    const restarts: number[] = [];
    const children = new ChildRegistry(join(dir, 'children.json'));
    await expect(
      searchPhase({
        cfg,
        round: 1,
        roundDir: dir,
        policy: 'base',
        problems: [{ id: '1', problem: '1 plus 1 is', gold: '2' }],
        vars: { round: 1, round_dir: dir, work: dir },
        children,
        restartsSoFar: 0,
        onRestart: (n) => restarts.push(n),
      }),
    ).rejects.toThrow(/server exited \(code 3, signal null\) before .*\n(.*\n)*cannot bind port \d+/);
    expect(restarts).toEqual([1, 2]);
    expect(children.recorded()).toEqual([]);
  });
});
