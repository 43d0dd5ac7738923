import { SingleBar } from 'cli-progress';

export interface ProgressOptions {
  /** Also print a line at every 10% when stderr is not a terminal (besides the periodic lines). */
  plainLines?: boolean;
  /** Seconds between lines when stderr is not a terminal (default 5). */
  everySeconds?: number;
}

export interface Progress {
  update(n: number, note?: string): void;
  stop(): void;
}

/** `95 s`, `12m05s`, `2h03m`: short enough for a progress line. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.max(0, Math.round(s));
  if (t < 100) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}

const formatRate = (r: number) => (r >= 10 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1));

/**
 * One progress line for logs: `label 40/120 problems (33%), 2.1 problems/s, ETA 38 s | note`. The rate
 * counts from `base`, the count when timing began (a resumed run's earlier work is not this run's speed).
 */
export function progressLine(
  label: string,
  n: number,
  total: number,
  unit: string,
  seconds: number,
  note?: string,
  base = 0,
): string {
  const rate = seconds > 0 ? (n - base) / seconds : 0;
  const eta = n >= total ? 0 : rate > 0 ? (total - n) / rate : Number.POSITIVE_INFINITY;
  return (
    `${label} ${n.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit} (${Math.floor((100 * n) / total)}%), ` +
    `${formatRate(rate)} ${unit}/s, ETA ${formatSeconds(eta)}${note ? ` | ${note}` : ''}`
  );
}

/**
 * A progress indicator on stderr with done/total, rate and time left. On a terminal it is a bar redrawn in
 * place; otherwise (logs, nohup, CI) it writes a plain line every few seconds while work goes on, and a last
 * line when a run that printed any finishes, so a quick command stays silent.
 */
export function progressBar(
  label: string,
  total: number,
  unit = 'items',
  opts: ProgressOptions = {},
): Progress {
  const started = Date.now();
  if (total <= 0) return { update() {}, stop() {} };
  const seconds = () => (Date.now() - started) / 1000;
  if (!process.stderr.isTTY) {
    let done = 0;
    let base: number | null = null;
    let note: string | undefined;
    let printed = 0;
    let lastPrinted = -1;
    let lastPrintedAt = 0;
    let nextTenth = 1;
    const print = () => {
      process.stderr.write(`${progressLine(label, done, total, unit, seconds(), note, base ?? 0)}\n`);
      printed++;
      lastPrinted = done;
      lastPrintedAt = Date.now();
    };
    const everyMs = 1000 * (opts.everySeconds ?? 5);
    // a line even while no update comes (a slow request): the rate and ETA show the stall; a 10% line
    // printed just before a tick counts as that tick's line, so the two never print the same line twice
    const tick = () => {
      if (Date.now() - lastPrintedAt >= everyMs / 2) print();
    };
    const timer = everyMs > 0 ? setInterval(tick, everyMs).unref() : null;
    return {
      update(n: number, text?: string) {
        base ??= n;
        done = n;
        note = text;
        if (!opts.plainLines || n < (nextTenth * total) / 10) return;
        nextTenth = Math.floor((10 * n) / total) + 1;
        print();
      },
      stop() {
        if (timer) clearInterval(timer);
        if (printed > 0 && lastPrinted !== done) print();
      },
    };
  }
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {note}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
  });
  bar.start(total, 0, { rate: '0', note: '' });
  let base: number | null = null;
  return {
    update(n: number, note?: string) {
      base ??= n;
      const secs = seconds();
      bar.update(n, { rate: secs > 0 ? formatRate((n - base) / secs) : '0', note: note ?? '' });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * A count with no known total (rows streamed from files): on a terminal redrawn in place, otherwise a line
 * every few seconds, with the rate.
 */
export function progressCounter(label: string, unit: string, opts: ProgressOptions = {}): Progress {
  const started = Date.now();
  let done = 0;
  const line = () => {
    const secs = (Date.now() - started) / 1000;
    return `${label} ${done.toLocaleString('en-US')} ${unit}, ${formatRate(secs > 0 ? done / secs : 0)} ${unit}/s`;
  };
  if (process.stderr.isTTY) {
    let shown = false;
    return {
      update(n: number) {
        done = n;
        shown = true;
        process.stderr.write(`\r${line()}   `);
      },
      stop() {
        if (shown) process.stderr.write('\n');
      },
    };
  }
  const everyMs = 1000 * (opts.everySeconds ?? 5);
  const timer = everyMs > 0 ? setInterval(() => process.stderr.write(`${line()}\n`), everyMs).unref() : null;
  return {
    update(n: number) {
      done = n;
    },
    stop() {
      if (timer) clearInterval(timer);
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
