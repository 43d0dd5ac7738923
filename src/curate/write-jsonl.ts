import { createWriteStream, renameSync, type WriteStream } from 'node:fs';

/**
 * JSON Lines written to `<path>.partial` and renamed on `close()`, so a killed build never leaves a
 * file that looks complete. Honors back-pressure: `write` resolves once the stream can take more.
 */
export class JsonlWriter {
  private readonly stream: WriteStream;
  private readonly partial: string;
  count = 0;

  constructor(readonly path: string) {
    this.partial = `${path}.partial`;
    this.stream = createWriteStream(this.partial, 'utf8');
  }

  async write(value: unknown): Promise<void> {
    this.count++;
    if (!this.stream.write(`${JSON.stringify(value)}\n`)) {
      await new Promise<void>((resolve) => this.stream.once('drain', resolve));
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    renameSync(this.partial, this.path);
  }

  /** Stops without publishing the file (the `.partial` stays for inspection). */
  async abort(): Promise<void> {
    await new Promise<void>((resolve) => this.stream.end(() => resolve()));
  }
}
