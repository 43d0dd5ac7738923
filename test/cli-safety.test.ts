/**
 * The CLI with bad invocations, through the built `dist/cli/main.js`: an output that would overwrite an input
 * is refused in every command (the input left as it was), and every bad invocation ends with one clear error
 * line on stderr, a non-zero exit and no stack trace.
 */

import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metacot, ROOT } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-cli-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const write = (name: string, text: string) => {
  writeFileSync(at(name), text);
  return at(name);
};

const VERIFY_ROWS = '{"id":1,"gold":"1","response":"\\\\boxed{1}"}\n{"id":2,"gold":"2","response":"3"}\n';

/** No stack frame, exactly one error line (commander may add its "(run with --help ...)" hint). */
function expectOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/Warning|node:internal|Node\.js v/);
  const errors = r.stderr.split('\n').filter((l) => /^(metacot: )?(internal )?error/.test(l));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(errors[0]).not.toMatch(/internal error/);
}

describe('an output that is an input', () => {
  it('is refused in every command, naming both options, and the input is left intact', () => {
    const rows = write('rows.jsonl', VERIFY_ROWS);
    symlinkSync(rows, at('link.jsonl'));
    linkSync(rows, at('hard.jsonl'));
    const samples = write('samples.jsonl', '{"problem_id":"a","gold":"1","response":"\\\\boxed{1}"}\n');
    const problems = write('problems.jsonl', '{"problem":"What is 1+1?","answer":"2"}\n');
    const tokens = write('tokens.jsonl', '{"tokens":[1,2,3]}\n');
    mkdirSync(at('raw'));
    write('raw/p.jsonl', '{"problem":"What is 6 times 7?","answer":"42"}\n');
    mkdirSync(at('ckpt'));
    const rel = relative(process.cwd(), rows);
    const cases: Array<[string[], RegExp]> = [
      [['verify', '--in', rows, '--out', rows], /--out .* and --in .* name the same file/],
      [['verify', '--in', rel, '--out', `./${rel}`], /name the same file/],
      [['verify', '--in', rows, '--out', at('link.jsonl')], /--out .*link\.jsonl and --in .*rows\.jsonl/],
      [['verify', '--in', at('hard.jsonl'), '--out', rows], /name the same file/],
      [
        ['eval', '--samples', samples, '--report', samples],
        /--report .* and --samples .* name the same file/,
      ],
      [
        ['export', '--format', 'chat', '--in', problems, '--out', problems],
        /--out .* and --in .* name the same/,
      ],
      [['countdown', 'solve', '--in', problems, '--out', problems], /--out .* and --in .* name the same/],
      [['train', '--data', tokens, '--out', at('ckpt'), '--init', at('ckpt')], /--out .* and --init .*/],
      [
        ['data', 'build', '--in', at('raw'), '--out', at('raw/curated')],
        /--out .* lies inside the input folder/,
      ],
      [
        ['data', 'build', '--in', write('raw/problems.jsonl', VERIFY_ROWS), '--out', at('raw')],
        /--out .* writes .*problems\.jsonl, which is the input/,
      ],
      [
        [
          'search',
          '--problems',
          problems,
          '--backend',
          'openai:http://127.0.0.1:9/v1#model=m',
          '--out',
          problems,
        ],
        /--out .* and --problems .* name the same/,
      ],
      [['search', 'export', rows, '--out', rows], /--out .* and <store> .* name the same/],
      [['merge', '--out', rows, rows], /--out .* and <stores> .* name the same/],
    ];
    for (const [args, pattern] of cases) {
      const before = readFileSync(rows, 'utf8');
      const r = metacot(args);
      expectOneLineError(r, pattern);
      expect(readFileSync(rows, 'utf8')).toBe(before);
    }
    expect(readFileSync(problems, 'utf8')).toBe('{"problem":"What is 1+1?","answer":"2"}\n');
    expect(readFileSync(samples, 'utf8')).toMatch(/problem_id/);
  });
});

describe('bad invocations', () => {
  it('end with one clear error line, a non-zero exit and no stack trace', () => {
    const rows = write('ok.jsonl', VERIFY_ROWS);
    const empty = write('empty.jsonl', '');
    mkdirSync(at('folder'));
    const folder = at('folder');
    const missing = at('missing.jsonl');
    write('escape.yaml', 'name: ../../../elsewhere\n');
    const table: Array<[string[], RegExp]> = [
      [['verify', '--in', missing, '--out', at('v.jsonl')], /missing\.jsonl: no such file/],
      [['verify', '--in', folder, '--out', at('v.jsonl')], /is a folder, expected a \.jsonl file/],
      [['verify', '--in', rows, '--out', folder], /--out .*folder: is a folder, expected a file/],
      [['verify', '--in', rows, '--out', at('v.jsonl'), '--workers', 'abc'], /--workers .* 'abc' is invalid/],
      [['verify', '--in', rows, '--out', at('v.jsonl'), '--workers', '0'], /--workers .* '0' is invalid/],
      [['verify', '--in', rows, '--out', at('v.jsonl'), '--timeout', '-5'], /--timeout .* '-5' is invalid/],
      [
        ['verify', '--in', rows, '--out', at('v.jsonl'), '--workers', '100000'],
        /--workers .* expected an integer in \[1, \d+\]/,
      ],
      [['verify', '--in', rows, '--out', at('v.jsonl'), '--workers', ''], /--workers .* '' is invalid/],
      [['verify', '--gold', `@${missing}`, '--response', 'x'], /--gold: cannot read/],
      [['eval', '--samples', empty], /empty\.jsonl: no samples/],
      [['eval', '--samples', folder], /is a folder/],
      [['eval', '--samples', rows, '--k', '0'], /--k .* '0' is invalid/],
      [['eval', '--samples', rows, '--workers', '-1'], /--workers .* '-1' is invalid/],
      [['export', '--format', 'verl', '--in', empty, '--out', at('x.parquet')], /empty\.jsonl: no rows/],
      [['countdown', 'generate', '--out', folder, '--count', '3'], /--out .*folder: is a folder/],
      [['countdown', 'generate', '--out', at('g.jsonl'), '--count', 'many'], /--count .* 'many' is invalid/],
      [['countdown', 'check', folder], /is a folder/],
      [['train', '--data', empty, '--out', at('t')], /empty\.jsonl: no examples/],
      [['train', '--data', rows, '--out', rows], /--out .*ok\.jsonl: is a file, expected a folder/],
      [['train', '--data', rows, '--out', at('t'), '--batch', '0'], /--batch .* '0' is invalid/],
      [['data', 'build', '--in', at('raw'), '--out', rows], /--out .*: is a file, expected a folder/],
      [
        ['data', 'build', '--in', at('raw'), '--out', at('d'), '--decontaminate-against', missing],
        /missing\.jsonl: no such file or folder/,
      ],
      [
        ['data', 'build', '--in', at('raw'), '--out', at('d'), '--workers', '-2'],
        /--workers .* '-2' is invalid/,
      ],
      [['run', at('escape.yaml')], /escape\.yaml: field 'name': expected one folder name/],
      [['run', folder], /not valid YAML|no such config/],
      [['passk', at('nope')], /not a run folder/],
      [['passk', folder, '--model', '../../etc'], /--model .* is invalid/],
      [['passk', folder, '--samples', 'abc'], /--samples .* 'abc' is invalid/],
      [['passk', folder, '--threads', '0'], /--threads .* '0' is invalid/],
      [
        [
          'search',
          '--problems',
          empty,
          '--backend',
          'openai:http://127.0.0.1:9/v1#model=m',
          '--out',
          at('s.sqlite'),
        ],
        /no problems/,
      ],
      [
        ['search', '--problems', rows, '--backend', 'openai:http://127.0.0.1:9/v1#model=m', '--out', folder],
        /--out .*: is a folder, expected a file/,
      ],
      [['search', 'export', missing, '--out', at('e.jsonl')], /no such store/],
      [['iterate', at('missing.yaml')], /no such config file/],
    ];
    for (const [args, pattern] of table) expectOneLineError(metacot(args), pattern);
  }, 120_000);

  it('verify --out into a missing folder creates it, and a big batch warns of no listener leak', () => {
    // 20 kB responses: every write fills the stream's buffer, which used to add an 'error' listener each time
    const long = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ id: i, gold: `${i}`, response: `${'x'.repeat(20_000)} \\boxed{${i}}` }),
    );
    const input = write('long.jsonl', `${long.join('\n')}\n`);
    const out = at('new/folder/verdicts.jsonl');
    const r = metacot(['verify', '--in', input, '--out', out, '--workers', '1']);
    expect(r.stderr).not.toMatch(/MaxListenersExceededWarning|Warning/);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(40);
  });
});

describe('a reader that stops early', () => {
  it('ends the output quietly: no error, exit 0', () => {
    const cli = join(ROOT, 'dist', 'cli', 'main.js');
    // head exits after one line while the help is still being written: the next write meets a closed pipe
    const r = spawnSync(
      'bash',
      [
        '-c',
        `for i in 1 2 3; do "${process.execPath}" "${cli}" --help | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"; done`,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['0', '0', '0']);
  });
});
