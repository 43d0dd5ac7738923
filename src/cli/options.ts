import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { isSafeSegment, SEGMENT_RULE } from '../io/paths.js';

/** Commander parsers that reject bad numbers with a message naming the expected form. */
export function intOption(min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      const range =
        max < Number.POSITIVE_INFINITY
          ? ` in [${min}, ${max}]`
          : min > Number.NEGATIVE_INFINITY
            ? ` ≥ ${min}`
            : '';
      throw new InvalidArgumentError(`expected an integer${range}.`);
    }
    return n;
  };
}

/** Worker threads: each is a whole JavaScript engine, so a count far past the cores only exhausts memory. */
export const MAX_WORKERS = Math.max(16, 4 * availableParallelism());

export function workersOption(min = 1) {
  return intOption(min, MAX_WORKERS);
}

export function floatOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a number in [${min}, ${max}].`);
    return n;
  };
}

export function choiceOption<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of: ${choices.join(', ')}.`);
    }
    return value as T;
  };
}

/** A name that becomes one path component (a model folder): never `..` or a path that leads elsewhere. */
export function segmentOption(value: string): string {
  if (!isSafeSegment(value)) throw new InvalidArgumentError(`expected ${SEGMENT_RULE}.`);
  return value;
}
