/**
 * Where kept rows came from, stored as (file id, line) pairs in growable typed arrays: eight bytes
 * a row instead of a "file:line" string, so dedup state stays small at millions of rows.
 */
export class RefTable {
  private readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();
  private data = new Uint32Array(2 * 1024);
  private n = 0;

  /** Appends a reference and returns its index. */
  push(file: string, line: number): number {
    let id = this.fileIds.get(file);
    if (id === undefined) {
      id = this.files.length;
      this.files.push(file);
      this.fileIds.set(file, id);
    }
    if (2 * this.n + 2 > this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[2 * this.n] = id;
    this.data[2 * this.n + 1] = line;
    return this.n++;
  }

  /** "file:line" of reference `i`. */
  where(i: number): string {
    return `${this.files[this.data[2 * i]!]}:${this.data[2 * i + 1]}`;
  }

  get size(): number {
    return this.n;
  }

  get bytes(): number {
    return this.data.byteLength;
  }
}
