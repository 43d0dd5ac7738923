import { AtomicLineWriter } from '../io/atomic-lines.js';

/**
 * JSON Lines written to `<path>.partial` and renamed on `close()`, so a killed build never leaves a
 * file that looks complete. Honors back-pressure: `write` resolves once the stream can take more.
 */
export class JsonlWriter {
  private readonly out: AtomicLineWriter;

  constructor(readonly path: string) {
    this.out = new AtomicLineWriter(path, '.partial');
  }

  get count(): number {
    return this.out.lines;
  }

  async write(value: unknown): Promise<void> {
    await this.out.write(JSON.stringify(value));
  }

  async close(): Promise<void> {
    await this.out.commit();
  }

  /** Stops without publishing the file, and removes the `.partial` (a failed build leaves no half outputs). */
  async abort(): Promise<void> {
    await this.out.abort();
  }
}
