/**
 * `{name}` placeholders in the config's shell templates and paths. In a shell command a value is quoted when
 * it holds anything beyond plain path characters, so a work dir with spaces cannot split an argument.
 */

const PLACEHOLDER = /\{([a-z_]+)\}/g;

export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

export function shellQuote(value: string): string {
  return /^[\w./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Replaces each `{name}`; `shell` quotes values for /bin/sh. Unknown names were refused by the config. */
export function fill(text: string, values: Record<string, string | number>, shell = false): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) return whole;
    return shell ? shellQuote(String(v)) : String(v);
  });
}
