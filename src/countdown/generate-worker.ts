import { parentPort, workerData } from 'node:worker_threads';
import { type Chunk, renderChunk } from './generate.js';
import type { RecordOptions } from './record.js';

const opts = workerData as RecordOptions;
parentPort!.on('message', async (chunk: Chunk) => {
  parentPort!.postMessage(await renderChunk(opts, chunk));
});
