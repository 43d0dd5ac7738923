import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fill, placeholders, prepareCommand, shellQuote } from '../io/shell-words.js';
import { loadIterateConfig, parseIterateConfig } from './config.js';
import { configDiff } from './state.js';

const base = {
  problems: 'p.jsonl',
  rounds: 2,
  policy: 'models/base',
  train: { command: 'metacot train --data {data} --out {out}' },
  server: { command: 'metacot serve --model {checkpoint} --port {port}' },
};

const error = (raw: unknown) => {
  try {
    parseIterateConfig(raw, 'it.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('iterate config', () => {
  it('fills defaults', () => {
    const c = parseIterateConfig(base);
    expect(c.search.algorithm).toBe('mcts');
    expect(c.export.format).toBe('chat');
    expect(c.train.checkpoint).toBe('{out}');
    expect(c.server.maxRestarts).toBe(3);
  });

  it('names the field of every error', () => {
    expect(error({ ...base, rounds: 0 })).toMatch(/^it\.yaml: field 'rounds': /);
    expect(error({ ...base, search: { algorithm: 'dfs' } })).toMatch(
      /^it\.yaml: field 'search\.algorithm': /,
    );
    expect(error({ ...base, export: { format: 'csv' } })).toMatch(/field 'export\.format'/);
    expect(error({ ...base, export: { tokenizer: 'gpt2' } })).toMatch(
      /field 'export\.tokenizer': unknown tokenizer/,
    );
    expect(error({ ...base, extra: 1 })).toMatch(/field '\(top level\)'|field 'extra'/);
    expect(error({ ...base, train: { command: 'x {dta}' } })).toBe(
      "it.yaml: field 'train.command': unknown placeholder {dta} (known: {data} {round} {init} {base} {out} {round_dir} {work})",
    );
    expect(error({ ...base, server: { command: 'serve {checkpoint}' } })).toMatch(
      /field 'server\.command': use \{port\}/,
    );
    expect(error({ ...base, server: {} })).toMatch(/field 'server': give command .* or url/);
    expect(error({ ...base, server: { url: 'http://h:8000/v1' } })).toMatch(/field 'server\.reload'/);
    expect(error({ ...base, search: { value: 'prm' } })).toMatch(/field 'search\.prmUrl'/);
    expect(error({ ...base, train: { command: 'sft.py {data} | tee log' } })).toMatch(
      /^it\.yaml: field 'train\.command': uses shell syntax \(the operator '\|'\).* set train\.shell: true/,
    );
    expect(error({ ...base, train: { command: 'sft.py {data} | tee log', shell: true } })).toBe('no error');
    expect(
      error({ ...base, server: { url: 'http://h/v1', reload: { command: 'load $HOME/{checkpoint}' } } }),
    ).toMatch(/field 'server\.reload\.command': uses shell syntax .* set server\.reload\.shell: true/);
    expect(error({ ...base, train: { command: "sft.py '{data}" } })).toMatch(/unterminated single quote/);
  });

  it('accepts the example config', () => {
    const c = loadIterateConfig(join(import.meta.dirname, '..', '..', 'configs', 'iterate-example.yaml'));
    expect(c.export.format).toBe('trl');
    expect(c.server.model).toBe('policy');
  });

  it('accepts an external server with a reload command', () => {
    const c = parseIterateConfig({
      ...base,
      server: { url: 'http://h:8000/v1', reload: { command: 'curl -X POST h:8000/load?path={checkpoint}' } },
    });
    expect(c.server.command).toBeUndefined();
  });
});

describe('templates', () => {
  it('finds and fills placeholders; a command is split into argv before values go in', () => {
    expect(placeholders('a {data} b {out}/x {data}')).toEqual(['data', 'out', 'data']);
    expect(
      prepareCommand('--data {data} --n {round}', { data: '/tmp/a b/sft.jsonl', round: 2 }, false),
    ).toEqual({
      argv: ['--data', '/tmp/a b/sft.jsonl', '--n', '2'],
      env: {},
      display: "--data '/tmp/a b/sft.jsonl' --n 2",
    });
    expect(fill('{out}/trainer.json', { out: '/tmp/a b' })).toBe('/tmp/a b/trainer.json');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('/plain/path-1.0')).toBe('/plain/path-1.0');
  });
});

describe('configDiff', () => {
  it('names the first differing field, ignoring what does not decide the data already made', () => {
    const a = parseIterateConfig(base);
    expect(configDiff(a, parseIterateConfig({ ...base, rounds: 5 }))).toBeNull();
    expect(
      configDiff(
        a,
        parseIterateConfig({
          ...base,
          train: { command: 'torchrun sft.py {data} {out}' },
          search: { concurrency: 64 },
        }),
      ),
    ).toBeNull();
    expect(configDiff(a, parseIterateConfig({ ...base, export: { style: 'back' } }))).toBe(
      'export.style: started with "nl", now "back"',
    );
    expect(configDiff(a, parseIterateConfig({ ...base, search: { maxNodes: 9 } }))).toBe(
      'search.maxNodes: started with none, now 9',
    );
  });
});
