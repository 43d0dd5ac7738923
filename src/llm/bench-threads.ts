/**
 * Measures LlamaCppBackend sampling throughput per llama.cpp thread count, to choose DEFAULT_THREADS:
 *
 *   npx tsx src/llm/bench-threads.ts model.gguf [threads...]     (default threads: 1 and os.availableParallelism())
 *
 * Each thread count runs twice, interleaved, 3 requests of n=4 samples; prints tokens/s per run.
 */
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { LlamaCppBackend } from './llama-cpp.js';

export async function benchLlamaThreads(
  path: string,
  threadCounts: number[],
  prompt = '1',
): Promise<Array<{ threads: number; tokens: number; seconds: number; tokensPerS: number }>> {
  const out = [];
  for (let rep = 0; rep < 2; rep++)
    for (const threads of threadCounts) {
      const lm = await LlamaCppBackend.load(path, { threads, sequences: 4 });
      await lm.complete({ prompt, maxTokens: 4 }); // warm-up
      const t0 = performance.now();
      let tokens = 0;
      for (let i = 0; i < 3; i++)
        tokens += (await lm.complete({ prompt, maxTokens: 40, n: 4, temperature: 1, seed: i }))
          .completionTokens;
      const seconds = (performance.now() - t0) / 1000;
      out.push({ threads, tokens, seconds, tokensPerS: tokens / seconds });
      await lm.close();
    }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path, ...rest] = process.argv.slice(2);
  const counts = rest.length > 0 ? rest.map(Number) : [1, availableParallelism()];
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}, ${availableParallelism()} cores`,
  );
  for (const r of await benchLlamaThreads(path, counts))
    console.log(
      `threads ${r.threads}: ${r.tokens} tokens in ${r.seconds.toFixed(2)} s = ${r.tokensPerS.toFixed(0)} tok/s`,
    );
}
