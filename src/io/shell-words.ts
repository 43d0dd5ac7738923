/**
 * Command templates with `{name}` placeholders, made safe whatever the values hold.
 *
 * By default a template is split into words the way /bin/sh would split it (whitespace, '…', "…", \x),
 * BEFORE any value is put in: each placeholder then lands inside exactly one argv element and the command
 * runs without a shell, so no value can add an argument, a command or an expansion. Leading `NAME=value`
 * words set environment variables, as in sh. Anything whose meaning needs a shell (pipes, `&&`, `;`,
 * redirections, `$VAR`, `$(…)`, backticks, globs, `~`, comments) is refused there, naming it.
 *
 * A template that needs those runs through /bin/sh only when its config says so; every placeholder is
 * then single-quoted for the context it sits in (bare, inside "…", inside '…', inside `$(…)`), closing
 * and reopening the surrounding quotes, so a value is still one literal string to the shell.
 */

const PLACEHOLDER = /^\{([a-z_]+)\}/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export type Values = Record<string, string | number>;

/** One piece of a word: literal text, or a placeholder to fill. */
type Piece = { text: string } | { name: string };

export type ParsedTemplate =
  | { kind: 'words'; words: Piece[][] }
  /** `feature` says what needs a shell, e.g. "the operator '|'"; `error` a malformed template. */
  | { kind: 'needs-shell'; feature: string }
  | { kind: 'error'; error: string };

/** A command ready to start: an argv run without a shell, or a script for /bin/sh -c. */
export type PreparedCommand =
  | { argv: string[]; env: Record<string, string>; display: string }
  | { shell: string; display: string };

/** A shell template that cannot be filled safely (checked when the config is read). */
export class ShellTemplateError extends Error {
  override name = 'ShellTemplateError';
}

/** `value` as one word for /bin/sh: bare when it holds only plain path characters, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[\w./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Always single-quoted, even plain text: used where the surrounding context must not matter. */
const singleQuoted = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/** The placeholder names a template uses, in order (repeats included). */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
}

/** Replaces each `{name}` with its value, as plain text (paths, URLs: never a command line). */
export function fill(text: string, values: Values): string {
  return text.replace(/\{([a-z_]+)\}/g, (whole, name: string) =>
    values[name] === undefined ? whole : String(values[name]),
  );
}

/** Splits a template into words of literal text and placeholders, as sh would, or says why it cannot. */
export function parseTemplate(template: string, known: (name: string) => boolean): ParsedTemplate {
  const words: Piece[][] = [];
  let word: Piece[] | null = null;
  let quote: 'none' | 'single' | 'double' = 'none';
  const add = (p: Piece) => {
    word ??= [];
    const last = word.at(-1);
    if ('text' in p && last && 'text' in last) last.text += p.text;
    else word.push(p);
  };
  const needs = (feature: string): ParsedTemplate => ({ kind: 'needs-shell', feature });
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const m = c === '{' ? PLACEHOLDER.exec(template.slice(i)) : null;
    if (m && known(m[1]!)) {
      add({ name: m[1]! });
      i += m[0].length - 1;
      continue;
    }
    if (quote === 'single') {
      if (c === "'") quote = 'none';
      else add({ text: c });
      continue;
    }
    if (quote === 'double') {
      if (c === '"') quote = 'none';
      else if (c === '$' || c === '`') return needs(`'${c}' inside double quotes`);
      else if (c === '\\' && i + 1 < template.length && '$`"\\\n'.includes(template[i + 1]!)) {
        if (template[i + 1] !== '\n') add({ text: template[i + 1]! });
        i++;
      } else add({ text: c });
      continue;
    }
    const atWordStart = word === null;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      quote = 'single';
      word ??= [];
    } else if (c === '"') {
      quote = 'double';
      word ??= [];
    } else if (c === '\\') {
      if (i + 1 < template.length && template[i + 1] !== '\n') add({ text: template[i + 1]! });
      i++;
    } else if ('|&;<>()'.includes(c)) return needs(`the operator '${c}'`);
    else if (c === '$') return needs("'$' (variables, $(…))");
    else if (c === '`') return needs('backticks');
    else if (c === '*') return needs("the glob '*'");
    else if (atWordStart && (c === '~' || c === '#'))
      return needs(c === '~' ? "'~' (home folder)" : "'#' (a comment)");
    else add({ text: c });
  }
  if (quote !== 'none') return { kind: 'error', error: `unterminated ${quote} quote` };
  if (word !== null) words.push(word);
  if (words.length === 0) return { kind: 'error', error: 'empty command' };
  return { kind: 'words', words };
}

const render = (pieces: Piece[], values: Values): string =>
  pieces.map((p) => ('text' in p ? p.text : String(values[p.name] ?? `{${p.name}}`))).join('');

/** A template run without a shell: leading NAME=value words become the environment, the rest the argv. */
export function prepareArgv(words: Piece[][], values: Values): PreparedCommand {
  const env: Record<string, string> = {};
  let at = 0;
  for (; at < words.length - 1; at++) {
    const first = words[at]![0];
    if (!first || !('text' in first) || !ASSIGNMENT.test(first.text)) break;
    const text = render(words[at]!, values);
    const eq = text.indexOf('=');
    env[text.slice(0, eq)] = text.slice(eq + 1);
  }
  const argv = words.slice(at).map((w) => render(w, values));
  const display = [...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`), ...argv.map(shellQuote)];
  return { argv, env, display: display.join(' ') };
}

/**
 * A template for /bin/sh -c with every placeholder single-quoted for where it stands: the quotes around it
 * (none, '…', "…") are closed first and reopened after, so the value is one literal piece of the word.
 */
export function fillForShell(template: string, values: Values): string {
  // sh contexts that matter for quoting: inside '…', inside "…", or anywhere else (bare, $(…), `…`, (…)).
  const stack: Array<'single' | 'double' | 'subst' | 'backtick' | 'paren' | 'brace'> = [];
  const top = () => stack.at(-1);
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const m = c === '{' ? PLACEHOLDER.exec(template.slice(i)) : null;
    if (m && values[m[1]!] !== undefined) {
      // inside "${…}" sh's quoting rules differ between shells: no quoting is safe there for certain
      if (stack.includes('brace')) throw new ShellTemplateError(`{${m[1]}} inside \${…}: move it outside`);
      const v = singleQuoted(String(values[m[1]!]));
      out += top() === 'single' ? `'${v}'` : top() === 'double' ? `"${v}"` : v;
      i += m[0].length - 1;
      continue;
    }
    out += c;
    if (top() === 'single') {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === '\\' && i + 1 < template.length) {
      out += template[++i];
      continue;
    }
    const next = template[i + 1];
    if (c === '$' && (next === '(' || next === '{')) {
      out += next;
      i++;
      stack.push(next === '(' ? 'subst' : 'brace');
    } else if (c === '`') {
      if (top() === 'backtick') stack.pop();
      else stack.push('backtick');
    } else if (top() === 'double') {
      if (c === '"') stack.pop();
    } else if (c === "'") stack.push('single');
    else if (c === '"') stack.push('double');
    else if (c === '(') stack.push('paren');
    else if (c === ')' && (top() === 'paren' || top() === 'subst')) stack.pop();
    else if (c === '}' && top() === 'brace') stack.pop();
  }
  return out;
}

/** The command for a template: argv without a shell, or (with `shell`) a quoted script for /bin/sh. */
export function prepareCommand(template: string, values: Values, shell: boolean): PreparedCommand {
  if (shell) {
    const script = fillForShell(template, values);
    return { shell: script, display: script };
  }
  const parsed = parseTemplate(template, (name) => values[name] !== undefined);
  if (parsed.kind !== 'words')
    throw new Error(`template was not checked: ${parsed.kind === 'error' ? parsed.error : parsed.feature}`);
  return prepareArgv(parsed.words, values);
}
