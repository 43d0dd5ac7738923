/**
 * Batched sampling throughput of the embedded engine against node-llama-cpp (same GGUF, same
 * prompts, temperature 1, no stop tokens), for the reference model at two batch sizes.
 * Each line is the JSON of `metacot bench sample`; `ratio` is ours / node-llama-cpp's best.
 * Run: `npm run build && npx tsx bench/sample.ts [batch ...]` (default batches: 64 256).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const batches = process.argv.length > 2 ? process.argv.slice(2) : ['64', '256'];
const model = [
  '--layers',
  '4',
  '--d-model',
  '128',
  '--heads',
  '4',
  '--ff',
  '384',
  '--vocab',
  '64',
  '--ctx',
  '256',
];

for (const batch of batches) {
  const args = ['bench', 'sample', ...model, '--batch', batch, '--new-tokens', '128', '--json'];
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench sample failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  process.stdout.write(
    `batch ${batch}: ours ${Math.round(j.tokens_per_s)} tok/s (decode ${Math.round(j.decode_tokens_per_s)}), ` +
      `node-llama-cpp ${Math.round(j.llama_tokens_per_s)} tok/s (decode ${Math.round(j.llama_decode_tokens_per_s)}), ` +
      `ratio ${j.ratio?.toFixed(2)} (decode ${j.decode_ratio?.toFixed(2)})\n${r.stdout}`,
  );
}
