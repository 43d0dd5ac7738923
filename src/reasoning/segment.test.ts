import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { parseSegmentation, segmenter } from './segment.js';
import { renderRequest, TEMPLATES } from './template.js';

describe('step segmentation', () => {
  it('splits, joins and stops on the same delimiter', () => {
    const blank = segmenter({ kind: 'blank-line' });
    expect(blank.delimiter).toBe('\n\n');
    expect(blank.split('a\nb\n\nc \n \n\nd\n')).toEqual(['a\nb', 'c', 'd']);
    expect(blank.join(['a', 'b'])).toBe('a\n\nb\n\n');
    expect(blank.split(blank.join(['x', 'y\nz']))).toEqual(['x', 'y\nz']);
    const line = segmenter({ kind: 'newline' });
    expect(line.split('a\n\nb\nc')).toEqual(['a', 'b', 'c']);
    const marker = segmenter(parseSegmentation('marker:<step>'));
    expect(marker.split('a<step>b <step><step>c')).toEqual(['a', 'b', 'c']);
    expect(marker.clean('\n step  \n')).toBe(' step');
  });

  it('parses the CLI form and rejects nonsense', () => {
    expect(parseSegmentation('newline')).toEqual({ kind: 'newline' });
    expect(parseSegmentation('marker:\\n---\\n')).toEqual({ kind: 'marker', marker: '\n---\n' });
    expect(() => parseSegmentation('marker:')).toThrow(UserError);
    expect(() => parseSegmentation('sentences')).toThrow(/blank-line, newline or marker/);
  });
});

describe('prompt templates', () => {
  const seg = segmenter({ kind: 'blank-line' });
  it('renders a raw prompt that the steps so far continue', () => {
    const r = renderRequest(TEMPLATES.math, 'What is 1+1?', ['One plus one.', 'Is two.'], seg);
    expect(r).toEqual({
      prompt: `${TEMPLATES.math.prompt.replace('{problem}', 'What is 1+1?')}One plus one.\n\nIs two.\n\n`,
    });
  });

  it('renders chat turns, the partial solution as the final assistant turn', () => {
    expect(renderRequest(TEMPLATES['math-chat'], 'Q {x}', [], seg)).toEqual({
      messages: [
        { role: 'system', content: TEMPLATES['math-chat'].system },
        { role: 'user', content: 'Q {x}' },
      ],
    });
    const r = renderRequest(TEMPLATES['math-chat'], 'Q', ['s1'], seg) as {
      messages: Array<{ role: string; content: string }>;
    };
    expect(r.messages.at(-1)).toEqual({ role: 'assistant', content: 's1\n\n' });
  });
});
