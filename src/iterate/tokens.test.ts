import { describe, expect, it } from 'vitest';
import { AsciiTokenizer } from '../llm/text-tokenizer.js';
import type { SftRecord } from '../reasoning/linearize.js';
import { tokenExample } from './tokens.js';

const record: SftRecord = {
  problem: '3 plus 4 is',
  gold: '7',
  prompt: 'Q: 3 plus 4 is',
  completion: ' 8.Alternatively, 7.Solution: 7',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Q: 3 plus 4 is' },
    { role: 'assistant', content: ' 8.Alternatively, 7.Solution: 7' },
  ],
  meta: {},
};

describe('metacot-tokens examples', () => {
  const tok = new AsciiTokenizer();
  it('is <bos> prompt completion <eos>, learning the completion and <eos> only', () => {
    const e = tokenExample(record, { mode: 'completion', prompt: 'Q: {problem}' }, tok);
    expect(e.tokens[0]).toBe(tok.bos);
    expect(e.tokens.at(-1)).toBe(tok.eos);
    expect(tok.decode(e.tokens)).toBe(record.prompt + record.completion);
    expect(e.loss_mask).toHaveLength(e.tokens.length);
    const learned = e.tokens.filter((_, i) => e.loss_mask[i] === 1);
    expect(tok.decode(learned)).toBe(record.completion);
    expect(learned.at(-1)).toBe(tok.eos);
  });

  it('renders chat templates with the plain chat template the engine serves', () => {
    const e = tokenExample(record, { mode: 'chat', system: 'Be brief.', prompt: 'Q: {problem}' }, tok);
    const prompt = tok.decode(e.tokens.filter((_, i) => e.loss_mask[i] === 0));
    expect(prompt).toBe('System: Be brief.\nUser: Q: 3 plus 4 is\nAssistant:');
  });
});
