import { describe, expect, it } from 'vitest';
import { runPython } from '../../test/scaleout/python.js';
import { type Picklable, PyFloat, pickleDumps } from './pickle.js';

/** Python reads the pickle from stdin and describes every value with its exact type. */
const DESCRIBE = `
import pickle, sys, json
def d(v):
    if v is None: return ["None"]
    if type(v) is bool: return ["bool", v]
    if type(v) is int: return ["int", str(v)]
    if type(v) is float: return ["float", repr(v)]
    if type(v) is str: return ["str", v]
    if type(v) is list: return ["list", [d(x) for x in v]]
    if type(v) is dict: return ["dict", [[k, d(x)] for k, x in v.items()]]
    return ["other", type(v).__name__]
data = sys.stdin.buffer.read()
print(json.dumps(d(pickle.loads(bytes.fromhex(data.decode())))))
`;

async function roundTrip(v: Picklable): Promise<unknown> {
  return JSON.parse(await runPython(['-c', DESCRIBE], pickleDumps(v).toString('hex')));
}

describe('pickleDumps (read back by python3 pickle.loads)', () => {
  it('encodes ints at every opcode boundary exactly, as Python ints', async () => {
    const ints = [
      0,
      1,
      255,
      256,
      65535,
      65536,
      128009,
      2 ** 31 - 1,
      2 ** 31,
      -1,
      -128,
      -(2 ** 31),
      -(2 ** 31) - 1,
    ];
    const big = [2n ** 63n, -(2n ** 70n), 2n ** 64n - 1n];
    const out = (await roundTrip([...ints, ...big])) as [string, [string, string][]];
    expect(out[0]).toBe('list');
    expect(out[1].map((x) => x[0])).toEqual(Array(ints.length + big.length).fill('int'));
    expect(out[1].map((x) => x[1])).toEqual([...ints.map(String), ...big.map(String)]);
  });

  it('encodes floats (incl. PyFloat for whole numbers), strings, None, booleans, nesting', async () => {
    const out = await roundTrip({
      f: [0.5, -3.25, 1e-300, new PyFloat(1), new PyFloat(0)],
      s: ['', 'ascii', 'ünïcödé ∑ 🚀', 'x'.repeat(70_000)],
      n: null,
      b: [true, false],
      nested: { empty: [], emptyDict: {} },
    });
    expect(out).toEqual([
      'dict',
      [
        [
          'f',
          [
            'list',
            [
              ['float', '0.5'],
              ['float', '-3.25'],
              ['float', '1e-300'],
              ['float', '1.0'],
              ['float', '0.0'],
            ],
          ],
        ],
        [
          's',
          [
            'list',
            [
              ['str', ''],
              ['str', 'ascii'],
              ['str', 'ünïcödé ∑ 🚀'],
              ['str', 'x'.repeat(70_000)],
            ],
          ],
        ],
        ['n', ['None']],
        [
          'b',
          [
            'list',
            [
              ['bool', true],
              ['bool', false],
            ],
          ],
        ],
        [
          'nested',
          [
            'dict',
            [
              ['empty', ['list', []]],
              ['emptyDict', ['dict', []]],
            ],
          ],
        ],
      ],
    ]);
  });

  it('batches long lists and wide dicts past 1000 items, preserving order', async () => {
    const list = Array.from({ length: 2500 }, (_, k) => k * 7);
    const dict = Object.fromEntries(Array.from({ length: 1200 }, (_, k) => [`k${k}`, k]));
    const out = (await roundTrip({ list, dict })) as [string, [string, [string, unknown[]]][]];
    const [, items] = out;
    expect((items[0]![1][1] as [string, string][]).map((x) => Number(x[1]))).toEqual(list);
    const keys = (items[1]![1][1] as [string, unknown][]).map((x) => x[0]);
    expect(keys).toEqual(Object.keys(dict));
  });

  it('refuses values Python could not receive faithfully', () => {
    expect(() => pickleDumps({ f: (() => 1) as unknown as Picklable })).toThrow(
      /cannot encode function at \.f/,
    );
    expect(() => pickleDumps(2n ** 3000n)).toThrow(/too large/);
  });
});
