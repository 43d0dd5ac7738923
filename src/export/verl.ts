/**
 * verl datasets (Parquet, read by verl with Hugging Face `datasets`/pyarrow).
 *
 * RL (problems), the schema of verl's own preprocess scripts (examples/data_preprocess/gsm8k.py):
 *   data_source: string                         → picks the reward function (`data.reward_fn_key`)
 *   prompt: list<struct<role, content>>         → chat messages (`data.prompt_key=prompt`)
 *   ability: string
 *   reward_model: struct<style: "rule", ground_truth: string>   → passed to compute_score as ground_truth
 *   extra_info: struct<split, index: int64, id, question, answer, metadata: JSON string>
 *
 * SFT (records), style `messages` (default; verl's multi-turn SFT dataset, `data.messages_key=messages`):
 *   messages: list<struct<role, content>>
 * or style `pair` (`data.prompt_key=prompt data.response_key=response`): prompt: string, response: string.
 *
 * Written with hyparquet-writer (pure JS) and an explicit schema, so nested columns use Parquet's standard
 * three-level LIST layout that pyarrow and arrow-rs read; required string columns never hold nulls.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { type ExportOptions, pickStyle, problemTurns } from './options.js';
import { type AnyRows, type ChatTurn, sftMessages } from './rows.js';

type SchemaElement = Parameters<typeof parquetWriteBuffer>[0]['schema'] extends (infer E)[] | undefined
  ? E
  : never;

const str = (name: string): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: 'REQUIRED',
});

/** list<struct<role, content>> as root-level column `name` (LIST → repeated `list` → `element` struct). */
const messagesColumn = (name: string): SchemaElement[] => [
  { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'REQUIRED', num_children: 2 },
  str('role'),
  str('content'),
];

export const VERL_SFT_STYLES = ['messages', 'pair'] as const;

export function verlParquet(input: AnyRows, o: ExportOptions): Uint8Array {
  if (input.kind === 'problems') {
    const rows = input.rows;
    const schema: SchemaElement[] = [
      { name: 'root', num_children: 5 },
      str('data_source'),
      ...messagesColumn('prompt'),
      str('ability'),
      { name: 'reward_model', repetition_type: 'REQUIRED', num_children: 2 },
      str('style'),
      str('ground_truth'),
      { name: 'extra_info', repetition_type: 'REQUIRED', num_children: 6 },
      str('split'),
      { name: 'index', type: 'INT64', repetition_type: 'REQUIRED' },
      str('id'),
      str('question'),
      str('answer'),
      str('metadata'),
    ];
    const columnData = [
      { name: 'data_source', data: rows.map((r) => o.dataSource ?? r.source ?? 'metacot') },
      { name: 'prompt', data: rows.map((r) => problemTurns(r, o)) },
      { name: 'ability', data: rows.map(() => o.ability) },
      { name: 'reward_model', data: rows.map((r) => ({ style: 'rule', ground_truth: r.answer })) },
      {
        name: 'extra_info',
        data: rows.map((r, k) => ({
          split: o.split,
          index: BigInt(k),
          id: r.id ?? String(k),
          question: r.problem,
          answer: r.answer,
          // the input's other fields, kept whole: a struct would need one schema for every row
          metadata: JSON.stringify(r.extra),
        })),
      },
    ];
    return new Uint8Array(parquetWriteBuffer({ columnData, schema, createdBy: 'metacot export' }));
  }
  const rows = input.rows;
  const style = pickStyle('verl', o.style, VERL_SFT_STYLES);
  if (style === 'messages') {
    const messages: ChatTurn[][] = rows.map((r) => sftMessages(r, o.system));
    return new Uint8Array(
      parquetWriteBuffer({
        columnData: [{ name: 'messages', data: messages }],
        schema: [{ name: 'root', num_children: 1 }, ...messagesColumn('messages')],
        createdBy: 'metacot export',
      }),
    );
  }
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'prompt', data: rows.map((r) => r.prompt) },
        { name: 'response', data: rows.map((r) => r.completion) },
      ],
      schema: [{ name: 'root', num_children: 2 }, str('prompt'), str('response')],
      createdBy: 'metacot export',
    }),
  );
}
