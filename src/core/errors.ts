/**
 * An error caused by the user's input (a config, a file, a flag), not by a bug.
 * The CLI prints its message as one line and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** Adds a location prefix (file, line, field) to a user-facing message. */
export function located(where: { file?: string; line?: number; field?: string }, message: string): string {
  const parts: string[] = [];
  if (where.file !== undefined)
    parts.push(where.line !== undefined ? `${where.file}:${where.line}` : where.file);
  if (where.field !== undefined) parts.push(`field '${where.field}'`);
  return parts.length > 0 ? `${parts.join(': ')}: ${message}` : message;
}
