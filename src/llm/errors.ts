import { UserError } from '../core/errors.js';

/**
 * A language-model request that failed for good: a 4xx the server will answer the same way again, or a
 * transient failure (429, 5xx, timeout, reset) that outlasted every retry. It is a UserError so the CLI
 * prints one line; `status` (HTTP status, or undefined for network failures) and `retryable` let callers
 * such as search loops decide whether to skip the problem or stop the run.
 */
export class LMRequestError extends UserError {
  override name = 'LMRequestError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
