import { SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr with a stage label, rate and time left. Silent when stderr is not a
 * terminal (CI logs, pipes), so output files and logs stay clean.
 */
export function progressBar(
  label: string,
  total: number,
  unit = 'items',
): { update(n: number): void; stop(): void } {
  if (!process.stderr.isTTY || total <= 0) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
  });
  const started = Date.now();
  bar.start(total, 0, { rate: '0' });
  return {
    update(n: number) {
      const secs = (Date.now() - started) / 1000;
      bar.update(n, { rate: secs > 0 ? Math.round(n / secs).toString() : '0' });
    },
    stop() {
      bar.stop();
    },
  };
}
