/**
 * Curated rows as Parquet (hyparquet-writer), a row group per `rowGroupSize` rows: rows are
 * buffered only until a group is full, so memory stays bounded. Written to `<path>.partial` and
 * renamed when finished.
 */
import { renameSync, rmSync } from 'node:fs';
import type { SchemaElement } from 'hyparquet';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import type { OutputRow } from './output-row.js';

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 11 },
  { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'problem', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'answer', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'source', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'domain', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'solve_rate', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'difficulty', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'file', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'line', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'answer_from', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  // a JSON object per row: {signal: reason}
  { name: 'signals', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'REQUIRED' },
];

export class ParquetRowWriter {
  private readonly partial: string;
  private readonly writer: ParquetWriter;
  private buffer: OutputRow[] = [];
  count = 0;

  constructor(
    readonly path: string,
    private readonly rowGroupSize = 50_000,
  ) {
    this.partial = `${path}.partial`;
    this.writer = new ParquetWriter({
      writer: fileWriter(this.partial),
      schema: SCHEMA,
      createdBy: 'metacot data build',
    });
  }

  async write(row: OutputRow): Promise<void> {
    this.buffer.push(row);
    this.count++;
    if (this.buffer.length >= this.rowGroupSize) await this.flush();
  }

  private async flush(): Promise<void> {
    const rows = this.buffer;
    this.buffer = [];
    if (rows.length === 0) return;
    const col = <K extends keyof OutputRow>(k: K) => rows.map((r) => r[k]);
    await this.writer.write({
      rowGroupSize: rows.length,
      columnData: [
        { name: 'id', data: col('id') },
        { name: 'problem', data: col('problem') },
        { name: 'answer', data: col('answer') },
        { name: 'source', data: col('source') },
        { name: 'domain', data: col('domain') },
        { name: 'solve_rate', data: col('solve_rate') },
        { name: 'difficulty', data: col('difficulty') },
        { name: 'file', data: col('file') },
        { name: 'line', data: col('line') },
        { name: 'answer_from', data: col('answer_from') },
        // JSON columns are serialized by the writer: pass the objects
        { name: 'signals', data: col('signals') },
      ],
    });
  }

  async close(): Promise<void> {
    await this.flush();
    await this.writer.finish();
    renameSync(this.partial, this.path);
  }

  /** Stops without publishing the file, and removes the `.partial` (its writes are synchronous: nothing is in flight). */
  abort(): void {
    this.buffer = [];
    rmSync(this.partial, { force: true });
  }
}
