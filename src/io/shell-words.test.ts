/**
 * Command templates with hostile placeholder values, run for real (without a shell, and through /bin/sh where
 * a config opts in): no value may run a command, in any position of the template, and each value must reach
 * the program as exactly one argument, unchanged.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChildRegistry } from '../iterate/processes.js';
import { fillForShell, parseTemplate, prepareCommand } from './shell-words.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-shell-words-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = [
  '$(touch PWNED)',
  '`touch PWNED`',
  '"; touch PWNED; "',
  "'; touch PWNED; '",
  "it's $(touch PWNED) `touch PWNED` \\\" \\' ; touch PWNED",
];

// node prints its arguments as JSON: one line says exactly what argv the program received
const PRINT_ARGV = `${process.execPath} -e 'console.log(JSON.stringify(process.argv.slice(1)))'`;
// the placeholder bare, inside double quotes (alone and within text), inside single quotes, and in $(…)
const TEMPLATE = `${PRINT_ARGV} {x} "{x}" "a{x}b" '{x}' 'a{x}b' --opt={x}`;
const EXPECTED = (v: string) => [v, v, `a${v}b`, v, `a${v}b`, `--opt=${v}`];

async function run(label: string, shell: boolean, value: string): Promise<string[]> {
  const children = new ChildRegistry(join(dir, 'children.json'));
  const log = join(dir, `${label}.log`);
  const child = children.spawn(label, prepareCommand(TEMPLATE, { x: value }, shell), log);
  const exit = await child.exited;
  expect(exit.code, readFileSync(log, 'utf8')).toBe(0);
  return JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!) as string[];
}

describe('command templates', () => {
  it('without a shell: every value is one argv element, nothing runs', async () => {
    for (const [i, v] of HOSTILE.entries()) {
      expect(await run(`argv-${i}`, false, v)).toEqual(EXPECTED(v));
      expect(existsSync(join(process.cwd(), 'PWNED'))).toBe(false);
    }
  });

  it('through /bin/sh (opted in): every placeholder is quoted for its context, nothing runs', async () => {
    for (const [i, v] of HOSTILE.entries()) {
      expect(await run(`sh-${i}`, true, v)).toEqual(EXPECTED(v));
      expect(existsSync(join(process.cwd(), 'PWNED'))).toBe(false);
    }
    // inside a command substitution and backticks of the template itself
    const script = fillForShell('echo "$(printf %s {x})" `printf %s {x}`', { x: '$(touch PWNED)' });
    const children = new ChildRegistry(join(dir, 'children.json'));
    const child = children.spawn(
      'subst',
      { shell: `cd ${dir} && ${script}`, display: '' },
      join(dir, 's.log'),
    );
    expect((await child.exited).code).toBe(0);
    expect(readFileSync(join(dir, 's.log'), 'utf8')).toBe('$(touch PWNED) $(touch PWNED)\n');
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
  });

  it('splits like sh, sets leading NAME=value words as the environment, and names what needs a shell', () => {
    expect(prepareCommand('A=1 B={x} env-user --in "{x}"', { x: 'a b' }, false)).toEqual({
      argv: ['env-user', '--in', 'a b'],
      env: { A: '1', B: 'a b' },
      display: "A=1 B='a b' env-user --in 'a b'",
    });
    const known = (n: string) => n === 'x';
    for (const [template, feature] of [
      ['a {x} | b', "the operator '|'"],
      ['a {x} && b', "the operator '&'"],
      ['a > {x}', "the operator '>'"],
      ['a $HOME/{x}', "'$' (variables, $(…))"],
      ['a "$(b)" {x}', "'$' inside double quotes"],
      ['a `b`', 'backticks'],
      ['a data/*.jsonl', "the glob '*'"],
      ['a ~/x', "'~' (home folder)"],
    ])
      expect(parseTemplate(template, known)).toEqual({ kind: 'needs-shell', feature });
    expect(parseTemplate("a '$HOME|*'", known)).toEqual({
      kind: 'words',
      words: [[{ text: 'a' }], [{ text: '$HOME|*' }]],
    });
  });
});
