/**
 * Trainers that hang up or misbehave, against the NeoX online data server over real TCP: a batch taken for a
 * trainer that went away goes back in its place (none lost or repeated), and slow or silent clients are cut.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PROBLEMS, SEQ, until, useNeoxFixture } from '../../test/scaleout/neox-fixture.js';
import { neoxFetch, runPython } from '../../test/scaleout/python.js';
import { dribble } from '../../test/servers/raw.js';
import { type NeoxServerEvent, startNeoxServer } from './neox-server.js';
import { ProblemCursor } from './producer.js';

const fx = useNeoxFixture();
const options = fx.options;
const textOf = (ids: number[]) => fx.textOf(ids);

/**
 * Python clients that send a split name and close at once, as the tester's did (`waitMs` 0), or close after the
 * batch has arrived without reading it (`waitMs` > 0: their kernel resets the connection).
 */
const quitters = (port: number, count: number, waitMs = 0) =>
  runPython([
    '-c',
    `import socket,time\nfor _ in range(${count}):\n  s=socket.create_connection(('127.0.0.1',${port}));s.sendall(b'train');time.sleep(${waitMs / 1000});s.close()`,
  ]);

describe('NeoX server and trainers that hang up', () => {
  it('keeps the batch of a trainer that hangs up while waiting, for the next request', async () => {
    fx.policy.hold();
    const events: NeoxServerEvent[] = [];
    const before = fx.policy.requests.length;
    const server = await startNeoxServer(options({ events }));
    try {
      const quitter = connect(server.ports[0]!, '127.0.0.1');
      await new Promise<void>((resolve) => quitter.once('connect', () => resolve()));
      quitter.write('train');
      await new Promise((r) => setTimeout(r, 100));
      quitter.destroy();
      await new Promise((r) => setTimeout(r, 100));
      fx.policy.release();
      const report = await neoxFetch(server.ports[0]!, 'train', SEQ);
      expect(report.errors).toEqual([]);
      expect(report.groups).toHaveLength(2);
      expect(events.some((e) => e.type === 'hung_up')).toBe(true);
      await until(() => server.served(0) === 1);
      expect(server.served(0)).toBe(1);
      // the groups served are the first batch built (the quitter's), not a rebuilt one
      const firstPrompts = fx.policy.requests.slice(before, before + 2).map((r) => String(r.prompt));
      const served = report.groups.map((g) => textOf(g.prefix));
      expect(served.map((t) => firstPrompts.some((p) => t.endsWith(p)))).toEqual([true, true]);
    } finally {
      fx.policy.release();
      await server.close();
    }
  });

  it('gives the batches of trainers that hung up at once to the next trainer, in order: none lost or repeated', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(
      options({ events, prefetch: 2, producer: { ...options().producer, groupsPerBatch: 1 } }),
    );
    try {
      const port = server.ports[0]!;
      await until(() => server.ready(0, 'train') === 2);
      // the first quitters find batches ready, the later ones wait for batches being built
      await quitters(port, 20);
      // these let the batch arrive, then close without reading it
      await quitters(port, 2, 300);
      const got: string[] = [];
      for (let k = 0; k < 8; k++) {
        const report = await neoxFetch(port, 'train', SEQ);
        expect(report.errors).toEqual([]);
        expect(report.groups).toHaveLength(1);
        got.push(PROBLEMS.find((p) => textOf(report.groups[0]!.prefix).includes(p.problem))!.problem);
      }
      // exactly the order the producer drew the problems in (train uses the seed as is)
      const cursor = new ProblemCursor(PROBLEMS, 0, 1, 1);
      expect(got).toEqual(Array.from({ length: 8 }, () => cursor.next().problem));
      const hungUp = events.filter((e) => e.type === 'hung_up');
      expect(hungUp.length).toBeGreaterThanOrEqual(20);
      expect(hungUp.filter((e) => e.sent)).toHaveLength(2);
      await until(() => server.served(0) === 8);
      expect(server.served(0)).toBe(8);
    } finally {
      await server.close();
    }
  });

  it('cuts a client that never finishes its split name, and one that never closes after its batch', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(options({ events, requestTimeoutMs: 500 }));
    try {
      const port = server.ports[0]!;
      const slow = await dribble(port, 'trai', 300);
      expect(slow.cut).toBe(true);
      expect(slow.afterMs).toBeLessThan(3000);
      expect(events.find((e) => e.type === 'bad_request')).toMatchObject({
        detail: 'no split name within 500 ms',
      });
      // reads its batch, then keeps its side open: the server lets go after the same limit, counting it served
      const lingerer = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      let bytes = 0;
      lingerer.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      lingerer.write('train');
      await new Promise((r) => lingerer.once('end', r));
      expect(bytes).toBeGreaterThan(0);
      expect(server.served(0)).toBe(0); // not yet: the trainer has not closed
      const t0 = Date.now();
      await until(() => server.served(0) === 1);
      expect(server.served(0)).toBe(1);
      expect(Date.now() - t0).toBeLessThan(3000);
      lingerer.destroy();
    } finally {
      await server.close();
    }
  });

  it('drops a connection that sends something other than a split name', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(options({ events }));
    try {
      const report = await neoxFetch(server.ports[0]!, 'GET / HTTP/1.1', SEQ);
      expect(report.errors[0]).toMatch(/pickle\.loads failed/);
      expect(events.find((e) => e.type === 'bad_request')).toMatchObject({
        detail: expect.stringContaining('GET /'),
      });
    } finally {
      await server.close();
    }
  });
});
