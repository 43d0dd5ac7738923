import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../core/errors.js';

/** The parsed contents of a YAML (or JSON) config file; an empty file is `{}`. */
export function readConfigFile(file: string): unknown {
  if (!existsSync(file)) throw new UserError(`${file}: no such config file`);
  try {
    return parseYaml(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new UserError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Validates `raw` against a schema; the error names the source and the first offending field. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`${source}: field '${issue.path.join('.') || '(top level)'}': ${issue.message}`);
  }
  return r.data;
}
