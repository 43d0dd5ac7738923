/**
 * Which llama.cpp build node-llama-cpp loads. metacot's package.json replaces node-llama-cpp's prebuilt CUDA and
 * Vulkan binaries with an empty stub (they are 650 MB, and the CPU build is what the tests compare with our
 * engine), so a GPU asked for here exists only after the user installs it: docs/install.md "GPU builds of llama.cpp"
 * gives the two ways, and the error below names them.
 */
import { UserError } from '../core/errors.js';

export const LLAMA_GPUS = ['auto', 'cuda', 'vulkan', 'metal'] as const;
export type LlamaGpu = (typeof LLAMA_GPUS)[number];

type NodeLlamaCpp = typeof import('node-llama-cpp');

export async function loadLlama(nlc: NodeLlamaCpp, gpu: LlamaGpu | false) {
  const missing = (why: string) =>
    new UserError(
      `llama.cpp has no usable ${gpu === 'auto' ? 'GPU' : gpu} build here (${why}). ` +
        "metacot's install stubs out node-llama-cpp's GPU binaries: see docs/install.md, section 'GPU builds of llama.cpp'",
    );
  let llama: Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
  try {
    // build: 'never' uses a local build (`node-llama-cpp source download --gpu cuda`) or a prebuilt binary,
    // and never compiles llama.cpp in the middle of a run.
    llama = await nlc.getLlama({ gpu, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  } catch (err) {
    if (gpu === false) throw err;
    throw missing((err as Error).message.split('\n')[0]);
  }
  if (gpu === 'auto' && llama.gpu === false)
    process.stderr.write(
      'llama.cpp: no GPU build found, running on the CPU (docs/install.md, "GPU builds of llama.cpp")\n',
    );
  else if (gpu !== false && gpu !== 'auto' && llama.gpu !== gpu) {
    // node-llama-cpp falls back to another build when the one asked for does not apply to this platform
    await llama.dispose();
    throw missing(`node-llama-cpp loaded ${llama.gpu === false ? 'the CPU build' : llama.gpu} instead`);
  }
  return llama;
}
