/** Commander parsers for where a server listens: one clear error for a bad port or host, before anything loads. */
import { InvalidArgumentError } from 'commander';
import { hostProblem, portProblem } from '../server/listen.js';

export function portOption(value: string): number {
  const problem = portProblem(value);
  if (problem !== null) throw new InvalidArgumentError(`${problem}.`);
  return Number(value);
}

/** A comma-separated list of ports (serve-rollouts: one per data-parallel rank). */
export function portListOption(value: string): number[] {
  const parts = value.split(',');
  for (const p of parts) {
    const problem = portProblem(p);
    if (problem !== null)
      throw new InvalidArgumentError(`${problem} (in the list ${JSON.stringify(value)}).`);
  }
  return parts.map((p) => Number(p.trim()));
}

export function hostOption(value: string): string {
  const problem = hostProblem(value);
  if (problem !== null) throw new InvalidArgumentError(`${problem}.`);
  return value;
}
