/** Worker-thread entry for VerifierPool: loads the verifier once, then answers one check per message. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSymbolicEngine } from './symbolic.js';
import { type VerifyInput, type VerifyOptions, type VerifyResult, verify } from './verify.js';

export interface WorkerRequest {
  id: number;
  input: VerifyInput;
}
export type WorkerReply = { type: 'ready' } | { type: 'result'; id: number; result: VerifyResult };

const data = (workerData ?? {}) as { options?: VerifyOptions; symbolic?: boolean };
const port = parentPort;
if (!port) throw new Error('verify/worker.js must run in a worker thread');

if (data.symbolic !== false) {
  try {
    await loadSymbolicEngine();
  } catch {
    // without the compute-engine the verifier still works; LaTeX it cannot parse compares as text
  }
}

port.on('message', (req: WorkerRequest) => {
  let result: VerifyResult;
  try {
    result = verify(req.input, data.options ?? {});
  } catch (err) {
    // a verifier bug must not take the pool down: report it as a result
    result = {
      correct: false,
      reason: 'error',
      extracted: null,
      rule: null,
      goldType: null,
      method: null,
      detail: err instanceof Error ? err.message : String(err),
    };
  }
  port.postMessage({ type: 'result', id: req.id, result } satisfies WorkerReply);
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);
