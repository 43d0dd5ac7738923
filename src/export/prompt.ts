/**
 * How a problem becomes the text a policy sees. The exporters and the NeoX rollout server use the same
 * templates, so a model fine-tuned on an export is asked the same way during online RL.
 *
 * - `plain`: the problem and an instruction to put the final answer in \boxed{} (what the verifier reads
 *   first; verl's and TRL's math recipes use the same instruction).
 * - `explore`: asks for in-context search, the Meta-CoT behaviour: try approaches, check them, back up from
 *   dead ends, then commit to one boxed answer. The reward still looks only at that final answer (E-RL²).
 * - a custom template: any text with `{problem}` in it (e.g. a model's raw chat template for the NeoX server,
 *   which sends raw prompts). `\n` in a template read from a file is a real newline.
 */
import { UserError } from '../core/errors.js';

export const BOXED_INSTRUCTION = 'Put the final answer within \\boxed{}.';

export const EXPLORE_INSTRUCTION =
  'Search for the solution out loud: try an approach, check each step, and when an approach fails say so and ' +
  'back up to try another. When one approach is verified, stop and put the final answer within \\boxed{}.';

export const TEMPLATES = {
  plain: `{problem}\n\n${BOXED_INSTRUCTION}`,
  explore: `{problem}\n\n${EXPLORE_INSTRUCTION}`,
} as const;

export type TemplateName = keyof typeof TEMPLATES;

/** A named template, or the text of a custom one (must contain `{problem}`). */
export function resolveTemplate(nameOrText: string): string {
  if (nameOrText in TEMPLATES) return TEMPLATES[nameOrText as TemplateName];
  if (!nameOrText.includes('{problem}'))
    throw new UserError(
      `prompt template must be one of ${Object.keys(TEMPLATES).join(', ')} or text containing {problem}`,
    );
  return nameOrText;
}

export function renderPrompt(template: string, problem: string): string {
  // split/join rather than replace(), so `$&`-style patterns inside the problem text stay literal
  return template.split('{problem}').join(problem);
}
