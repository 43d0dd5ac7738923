/** Progress on a stderr that is not a terminal (logs, nohup, CI): periodic lines with done/total, rate and ETA. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatSeconds, progressBar, progressLine } from './progress.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress', () => {
  let lines: string[] = [];
  const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  afterEach(() => {
    vi.restoreAllMocks();
    if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
    lines = [];
  });
  const capture = () => {
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
  };

  it('formats one line: done/total, percent, rate and time left', () => {
    expect(progressLine('search', 5, 20, 'problems', 10, 'solved 2')).toBe(
      'search 5/20 problems (25%), 0.5 problems/s, ETA 30 s | solved 2',
    );
    // a resumed run: the rate counts from where this run began
    expect(progressLine('search', 15, 20, 'problems', 10, undefined, 10)).toBe(
      'search 15/20 problems (75%), 0.5 problems/s, ETA 10 s',
    );
    expect(progressLine('x', 0, 3, 'rows', 1)).toMatch(/ETA \?$/);
    expect(formatSeconds(725)).toBe('12m05s');
    expect(formatSeconds(7300)).toBe('2h01m');
  });

  it('writes a line every few seconds while work goes on, and a last one when it ends', async () => {
    capture();
    const bar = progressBar('difficulty', 10, 'problems', { everySeconds: 0.05 });
    bar.update(0);
    await sleep(150);
    bar.update(4, 'stalled?');
    await sleep(150);
    bar.update(10);
    bar.stop();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines)
      expect(l).toMatch(/^difficulty \d+\/10 problems \(\d+%\), [\d.]+ problems\/s, ETA .+/);
    expect(lines).toContainEqual(expect.stringMatching(/^difficulty 4\/10 problems \(40%\).* \| stalled\?$/));
    expect(lines.at(-1)).toMatch(/^difficulty 10\/10 problems \(100%\), .*ETA 0 s$/);
  });

  it('never prints the same line twice when a 10% line falls just before a tick', async () => {
    capture();
    const bar = progressBar('train', 10, 'steps', { everySeconds: 1, plainLines: true });
    bar.update(0);
    await sleep(900);
    bar.update(1); // a 10% line, just before the first tick
    await sleep(250);
    bar.stop();
    expect(lines.filter((l) => l.startsWith('train 1/10')).length).toBe(1);
  });

  it('stays silent for work shorter than the interval', () => {
    capture();
    const bar = progressBar('verify', 5, 'responses', { everySeconds: 60 });
    bar.update(5);
    bar.stop();
    expect(lines).toEqual([]);
  });
});
