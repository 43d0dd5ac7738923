import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOS, EOS, TINY_BOS_ID, TINY_EOS_ID, tinyTokenizerJson } from '../../test/scaleout/tiny-tokenizer.js';
import { UserError } from '../core/errors.js';
import { promptIds } from './groups.js';
import { loadTrainerTokenizer } from './tokenizer.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-tok-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};
const json = tinyTokenizerJson();

describe('trainer tokenizer (tokenizer.json via @huggingface/tokenizers)', () => {
  it('encodes prompts with BOS, completions without, and round-trips text', () => {
    const tok = loadTrainerTokenizer(write('ok.json', json));
    expect(tok.eosToken).toBe(EOS);
    expect(tok.eosId).toBe(TINY_EOS_ID(json));
    const p = tok.encodePrompt('What is 2 + 3?');
    expect(p[0]).toBe(TINY_BOS_ID(json));
    const c = tok.encodeCompletion(' The answer is \\boxed{5}. ünï');
    expect(c).not.toContain(TINY_BOS_ID(json));
    expect(tok.decode(c)).toBe(' The answer is \\boxed{5}. ünï');
    // merges were learned and are used: fewer ids than bytes
    expect(c.length).toBeLessThan(Buffer.byteLength(' The answer is \\boxed{5}. ünï'));
    expect(Math.max(...c)).toBeLessThan(tok.vocabSize);
  });

  it('does not double BOS when a template spells it out, and reads special tokens in templates', () => {
    const tok = loadTrainerTokenizer(write('ok2.json', json));
    const ids = promptIds(tok, `${BOS}Question: 2 + 3?${EOS}`);
    expect(ids.filter((id) => id === TINY_BOS_ID(json))).toHaveLength(1);
    expect(ids.at(-1)).toBe(TINY_EOS_ID(json));
  });

  it('takes the EOS token from tokenizer_config.json beside it, or from --eos-token', () => {
    const sub = join(dir, 'withconfig');
    mkdirSync(sub);
    writeFileSync(join(sub, 'tokenizer.json'), JSON.stringify(json));
    writeFileSync(join(sub, 'tokenizer_config.json'), JSON.stringify({ eos_token: { content: BOS } }));
    expect(loadTrainerTokenizer(sub).eosToken).toBe(BOS); // a folder works too
    expect(loadTrainerTokenizer(sub, { eosToken: EOS }).eosId).toBe(TINY_EOS_ID(json));
    expect(() => loadTrainerTokenizer(sub, { eosToken: '<nope>' })).toThrow(
      /EOS token "<nope>" is not in the vocabulary/,
    );
  });

  it('reports malformed tokenizers clearly, naming the file', () => {
    const cases: [string, unknown, RegExp][] = [
      ['notjson.json', '{"model": ', /notjson\.json: tokenizer\.json is not valid JSON/],
      ['array.json', [1, 2], /array\.json: tokenizer\.json must be a JSON object/],
      ['nomodel.json', { version: '1.0' }, /nomodel\.json: malformed tokenizer\.json: no "model" object/],
      [
        'novocab.json',
        { ...json, model: { type: 'BPE', merges: [] } },
        /novocab\.json: malformed tokenizer\.json: "model" has no "vocab"/,
      ],
      [
        'nodecoder.json',
        { ...json, decoder: undefined },
        /nodecoder\.json: malformed tokenizer\.json \(.*decoder/,
      ],
      [
        'badpre.json',
        { ...json, pre_tokenizer: { type: 'NoSuchPreTokenizer' } },
        /badpre\.json: malformed tokenizer\.json/,
      ],
      ['noeos.json', { ...json, added_tokens: [] }, /noeos\.json: no EOS token found/],
    ];
    for (const [name, content, message] of cases) {
      const file = write(name, content);
      let caught: unknown;
      try {
        loadTrainerTokenizer(file);
      } catch (err) {
        caught = err;
      }
      expect(caught, name).toBeInstanceOf(UserError);
      expect((caught as Error).message, name).toMatch(message);
    }
    expect(() => loadTrainerTokenizer(join(dir, 'missing.json'))).toThrow(
      /missing\.json: no such tokenizer file/,
    );
  });
});
