import { UserError } from '../core/errors.js';

/**
 * How a solution is cut into steps. One step is what the model writes up to the next delimiter, so
 * the same delimiter is the stop string when a step is sampled, the separator when steps are put back
 * into a prompt, and the splitter when a whole rollout is read as steps.
 */
export type Segmentation = { kind: 'blank-line' } | { kind: 'newline' } | { kind: 'marker'; marker: string };

export interface Segmenter {
  readonly spec: Segmentation;
  /** What ends a step: the stop string for step sampling and the separator between steps. */
  readonly delimiter: string;
  /** Solution text (or a continuation) as steps: trimmed, empty pieces dropped. */
  split(text: string): string[];
  /** Steps as solution text, each followed by the delimiter so the next step starts cleanly. */
  join(steps: readonly string[]): string;
  /** A sampled step as stored: trailing whitespace trimmed; the empty string when nothing was written. */
  clean(step: string): string;
}

export function segmenter(spec: Segmentation): Segmenter {
  const delimiter = spec.kind === 'blank-line' ? '\n\n' : spec.kind === 'newline' ? '\n' : spec.marker;
  if (delimiter === '') throw new UserError('step marker must not be empty');
  const clean = (s: string) => s.replace(/^\n+/, '').trimEnd();
  return {
    spec,
    delimiter,
    // A blank line may hold spaces; models write "\n \n" as often as "\n\n".
    split: (text) =>
      (spec.kind === 'blank-line' ? text.split(/\n[ \t]*\n/) : text.split(delimiter))
        .map(clean)
        .filter((s) => s.trim() !== ''),
    join: (steps) => steps.map((s) => `${s}${delimiter}`).join(''),
    clean,
  };
}

/** Parses the CLI form: `blank-line`, `newline` or `marker:TEXT` (TEXT may use \n escapes). */
export function parseSegmentation(text: string): Segmentation {
  if (text === 'blank-line' || text === 'newline') return { kind: text };
  if (text.startsWith('marker:')) {
    const marker = text.slice('marker:'.length).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
    if (marker === '') throw new UserError('--segment marker: needs text after the colon');
    return { kind: 'marker', marker };
  }
  throw new UserError(`--segment: expected blank-line, newline or marker:TEXT, got '${text}'`);
}
