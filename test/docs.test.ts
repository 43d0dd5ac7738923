import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/commands/index.js';
import { ROOT } from './cli.js';

/**
 * Every ```sh / ```bash block of README.md and docs/*.md, run as written, the way a reader would: the blocks of
 * one page in order, in one fresh folder, each block as one `bash -e` script, with the built CLI as `npx
 * metacot` and `metacot`. Each must exit 0 and print no stack trace.
 *
 * What cannot run here is marked in the docs themselves, where the reader sees it:
 *   - `# needs: WHAT` at the end of a command skips that command; on a line of its own it skips the rest of
 *     its block (GPUs, vLLM, network, your own data, or minutes of CPU);
 *   - `# runs until stopped` at the end of a command (a server) starts it, waits for its first line of
 *     output, checks that it is still running, and stops it.
 * Nothing else is skipped. Every skipped `metacot` command still has its `--help` checked: the subcommand
 * exists and knows every --option the docs give it. The long demo is covered that way and by
 * `npx metacot run configs/smoke.yaml` (docs/main-job.md), which runs the same stages on a tiny model.
 *
 * The folder holds `configs/` (the repo's, linked) and, for commands that name a file of the reader's own,
 * these example inputs copied from configs/data/: problems.jsonl and test-problems.jsonl (sums-problems),
 * traces.jsonl (sums-traces), samples.jsonl (sums-samples).
 */
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const FIXTURES: Record<string, string> = {
  'problems.jsonl': 'sums-problems.jsonl',
  'test-problems.jsonl': 'sums-problems.jsonl',
  'traces.jsonl': 'sums-traces.jsonl',
  'samples.jsonl': 'sums-samples.jsonl',
};
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$|internal error/m;

interface DocCommand {
  text: string;
  /** 1-based line in the page where the command starts */
  line: number;
  skip?: string;
  server?: boolean;
}

interface ShellBlock {
  page: string;
  line: number;
  commands: DocCommand[];
}

/** The shell blocks of a page, each split into commands (lines joined at a trailing backslash). */
function shellBlocks(page: string, markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, k) => k > i && /^\s*```\s*$/.test(l));
    if (end < 0) throw new Error(`${page}:${i + 1}: unclosed code block`);
    if (['sh', 'bash'].includes(open[2])) {
      const body = lines
        .slice(i + 1, end)
        .map((l) => l.slice(Math.min(open[1].length, /^\s*/.exec(l)![0].length)));
      blocks.push({ page, line: i + 1, commands: splitCommands(body, i + 2) });
    }
    i = end;
  }
  return blocks;
}

function splitCommands(body: string[], firstLine: number): DocCommand[] {
  const commands: DocCommand[] = [];
  let skipRest: string | undefined;
  for (let k = 0; k < body.length; k++) {
    const line = firstLine + k;
    if (body[k].trim() === '') continue;
    const own = /^\s*#(.*)$/.exec(body[k]);
    if (own) {
      const needs = /^\s*needs:\s*(.+)$/.exec(own[1]);
      if (needs) skipRest = needs[1].trim();
      continue;
    }
    let text = body[k];
    while (text.endsWith('\\') && k + 1 < body.length) text += `\n${body[++k]}`;
    const needs = /\s#.*\bneeds:\s*(.+)$/.exec(text);
    commands.push({
      text,
      line,
      skip: skipRest ?? needs?.[1].trim(),
      server: /\s#.*\bruns until stopped\b/.test(text),
    });
  }
  return commands;
}

/** The script a block runs as: its runnable commands in order, a server started and stopped in place. */
function blockScript(block: ShellBlock): string {
  // job control: each background command (a server) is its own process group, which `kill %1` in the docs
  // and the cleanup below stop whole (the node process under the npx shim included)
  const out = ['set -e -m', "trap 'for job in $(jobs -p); do kill -- -$job 2>/dev/null || true; done' EXIT"];
  for (const c of block.commands) {
    if (c.skip !== undefined) continue;
    out.push(`echo '+ ${block.page}:${c.line}' >&2`);
    if (!c.server) {
      out.push(c.text);
      continue;
    }
    out.push(
      '{',
      c.text,
      '} > .server.log 2>&1 &',
      'server=$!',
      'for i in $(seq 200); do [ -s .server.log ] && break; kill -0 $server 2>/dev/null || break; sleep 0.1; done',
      'sleep 0.5; cat .server.log',
      'kill -0 $server 2>/dev/null || { echo "the server stopped by itself" >&2; exit 1; }',
      'kill -- -$server; wait $server 2>/dev/null || true',
    );
  }
  return `${out.join('\n')}\n`;
}

const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder for one page: configs/, the example inputs, and `npx metacot` / `metacot` on PATH. */
function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'metacot-docs-'));
  sandboxes.push(dir);
  symlinkSync(join(ROOT, 'configs'), join(dir, 'configs'));
  for (const [name, source] of Object.entries(FIXTURES))
    copyFileSync(join(ROOT, 'configs', 'data', source), join(dir, name));
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'metacot'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
  );
  // only `npx metacot` is ours; anything else npx would fetch from the network
  writeFileSync(
    join(bin, 'npx'),
    '#!/bin/sh\n[ "$1" = metacot ] || { echo "docs test: npx $1 is not available here" >&2; exit 127; }\nshift\nexec metacot "$@"\n',
  );
  chmodSync(join(bin, 'metacot'), 0o755);
  chmodSync(join(bin, 'npx'), 0o755);
  return { dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } };
}

/** The CLI's commands, registered as `metacot` registers them, to read their help without a process each. */
const program = new Command('metacot');
for (const register of COMMANDS) register(program);

/** The full --help text of a command (the text after the options included). */
function helpText(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

/**
 * For a skipped `metacot` command: the subcommand path the CLI has for it, and the options the docs give it
 * that its --help does not list.
 */
function checkAgainstHelp(text: string): { path: string[]; unknown: string[] } | undefined {
  const words = text
    .replace(/\\\n/g, ' ')
    .replace(/\s#.*$/s, '')
    .split(/\s+/);
  const at = words.indexOf('metacot');
  if (at < 0) return undefined;
  const path: string[] = [];
  let cmd = program;
  for (const w of words.slice(at + 1)) {
    const sub = cmd.commands.find((c) => c.name() === w);
    if (sub === undefined) break;
    path.push(w);
    cmd = sub;
  }
  const page = helpText(cmd);
  const flags = words.filter((w) => /^--[a-z]/.test(w)).map((w) => w.replace(/=.*$/, ''));
  return { path, unknown: flags.filter((f) => !new RegExp(`(^|[\\s,])${f}(?=[\\s,<[=]|$)`, 'm').test(page)) };
}

const skipped: string[] = [];
afterAll(() => {
  if (skipped.length > 0)
    console.log(`docs commands not run here (marked in the docs):\n${skipped.join('\n')}`);
});

describe('the docs', () => {
  it('README.md is at most 200 lines and every command block calls the CLI as `npx metacot`', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(201);
    for (const page of PAGES)
      for (const block of shellBlocks(page, readFileSync(join(ROOT, page), 'utf8')))
        for (const c of block.commands)
          expect(c.text, `${page}:${c.line}`).not.toMatch(/(^|[;&|(]\s*)metacot\s/m);
  });

  it('reads the markers, and checks a skipped command against the --help of its subcommand', () => {
    const md = [
      '```sh',
      'npx metacot verify --gold 1 \\',
      "  --response '1'   # runs here",
      'npx metacot serve-reward --port 5000   # runs until stopped',
      "npx metacot search --problems p.jsonl --backend 'openai:http://a/v1#model=m' --nope 1   # needs: a server",
      '# needs: GPUs',
      'vllm serve m',
      '```',
    ].join('\n');
    const [block] = shellBlocks('x.md', md);
    expect(block.commands.map((c) => [c.line, c.skip, c.server])).toEqual([
      [2, undefined, false],
      [4, undefined, true],
      [5, 'a server', false],
      [7, 'GPUs', false],
    ]);
    expect(checkAgainstHelp(block.commands[2].text)).toEqual({ path: ['search'], unknown: ['--nope'] });
    expect(checkAgainstHelp('npx metacot export gguf --model a --out b.gguf')).toEqual({
      path: ['export', 'gguf'],
      unknown: [],
    });
  });

  for (const page of PAGES) {
    const blocks = shellBlocks(page, readFileSync(join(ROOT, page), 'utf8'));
    if (blocks.length === 0) continue;
    it(`${page}: every command runs as written, or its marker says why not`, () => {
      const { dir, env } = sandbox();
      for (const block of blocks) {
        for (const c of block.commands.filter((x) => x.skip !== undefined)) {
          skipped.push(`  ${page}:${c.line}: ${c.text.split('\n')[0].slice(0, 90)}  (needs: ${c.skip})`);
          const checked = checkAgainstHelp(c.text);
          if (checked)
            expect(checked.unknown, `${page}:${c.line}: metacot ${checked.path.join(' ')} --help`).toEqual(
              [],
            );
        }
        if (block.commands.every((c) => c.skip !== undefined)) continue;
        const r = spawnSync('bash', ['-c', blockScript(block)], {
          cwd: dir,
          env,
          encoding: 'utf8',
          timeout: 120_000,
        });
        const output = `${r.stdout}\n${r.stderr}`;
        expect(r.status, `${page}:${block.line}\n${r.stderr.slice(-3000)}`).toBe(0);
        expect(output, `${page}:${block.line}`).not.toMatch(STACK_TRACE);
      }
    }, 300_000);
  }
});
