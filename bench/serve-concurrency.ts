/**
 * `metacot serve` under concurrent load: R requests sent at once (n samples each) to a tiny engine model, over
 * real HTTP; prints p50/p90/p99 latency, wall time, and throughput (requests/s, completion tokens/s).
 *
 * Run: `npm run build && npx tsx bench/serve-concurrency.ts [requests=200] [n=8] [max_tokens=16] [temperature=1] [cli]`
 * (`cli`: another build's dist/cli/main.js, to compare before and after a change on the same machine). The tiny
 * model ends most answers after ~5 tokens at temperature 1; temperature 2 makes most run to max_tokens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainTinyTextModel } from '../src/llm/testing/tiny-model.js';

const requests = Number(process.argv[2] ?? 200);
const n = Number(process.argv[3] ?? 8);
const maxTokens = Number(process.argv[4] ?? 16);
const temperature = Number(process.argv[5] ?? 1);
const cli = process.argv[6] ?? join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

async function startServe(model: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--model', model, '--port', '0', '--max-n', '64'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { child, url };
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'metacot-bench-serve-'));
  const model = join(dir, 'model');
  try {
    await trainTinyTextModel(model, 60);
    const { child, url } = await startServe(model);
    try {
      const one = (k: number) => {
        const t0 = performance.now();
        return fetch(`${url}/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            prompt: `${k % 10} plus ${(k * 7) % 10} is`,
            max_tokens: maxTokens,
            n,
            temperature,
            seed: k,
          }),
        }).then(async (r) => {
          if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
          const body = (await r.json()) as { usage: { completion_tokens: number } };
          return { ms: performance.now() - t0, tokens: body.usage.completion_tokens };
        });
      };
      await one(-1); // warm the graphs
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: requests }, (_, k) => one(k)));
      const wall = (performance.now() - t0) / 1000;
      const ms = results.map((r) => r.ms).sort((a, b) => a - b);
      const tokens = results.reduce((a, r) => a + r.tokens, 0);
      console.log(
        `${requests} concurrent requests, n=${n}, max_tokens=${maxTokens}, temperature ${temperature} (${cli}):\n` +
          `  latency p50 ${(quantile(ms, 0.5) / 1000).toFixed(2)} s, p90 ${(quantile(ms, 0.9) / 1000).toFixed(2)} s, ` +
          `p99 ${(quantile(ms, 0.99) / 1000).toFixed(2)} s; wall ${wall.toFixed(2)} s\n` +
          `  throughput ${(requests / wall).toFixed(1)} requests/s, ${(tokens / wall).toFixed(0)} completion tokens/s`,
      );
    } finally {
      child.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
