import { SingleBar } from 'cli-progress';

export interface ProgressOptions {
  /** When stderr is not a terminal, print a plain line every 10% instead of staying silent (long runs under nohup, CI logs). */
  plainLines?: boolean;
}

/**
 * A progress bar on stderr with a label, rate and time left. When stderr is not a terminal it is
 * silent (or prints a line per 10% with `plainLines`), so pipes and logs stay clean.
 */
export function progressBar(
  label: string,
  total: number,
  unit = 'items',
  opts: ProgressOptions = {},
): { update(n: number, note?: string): void; stop(): void } {
  const started = Date.now();
  if (total <= 0) return { update() {}, stop() {} };
  if (!process.stderr.isTTY) {
    if (!opts.plainLines) return { update() {}, stop() {} };
    let nextTenth = 1;
    return {
      update(n: number, note?: string) {
        if (n < (nextTenth * total) / 10) return;
        nextTenth = Math.floor((10 * n) / total) + 1;
        const secs = (Date.now() - started) / 1000;
        const eta = n > 0 ? (secs * (total - n)) / n : 0;
        process.stderr.write(
          `${label} ${Math.round((100 * n) / total)}% (${n}/${total} ${unit}, ${Math.round(eta)} s left)${note ? ` ${note}` : ''}\n`,
        );
      },
      stop() {},
    };
  }
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {note}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
  });
  bar.start(total, 0, { rate: '0', note: '' });
  return {
    update(n: number, note?: string) {
      const secs = (Date.now() - started) / 1000;
      bar.update(n, { rate: secs > 0 ? Math.round(n / secs).toString() : '0', note: note ?? '' });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * Status lines for open-ended work (a server): every `everyMs`, `line()` is written to stderr, terminal or not,
 * unless it returns null (nothing new to say). Stop it with the returned function.
 */
export function statusLines(everyMs: number, line: () => string | null): () => void {
  const timer = setInterval(() => {
    const text = line();
    if (text !== null) process.stderr.write(`${text}\n`);
  }, everyMs);
  timer.unref(); // a status line never keeps the process alive
  return () => clearInterval(timer);
}
