/**
 * Where the servers listen, through the built CLI: a bad port or host is one clear error before anything loads, a
 * port in use is one line naming it, and a server reachable from other machines without a token says so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainTinyTextModel } from '../../src/llm/testing/tiny-model.js';
import { metacot } from '../cli.js';
import { tinyTokenizerJson } from '../scaleout/tiny-tokenizer.js';
import { startCli } from './raw.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-cli-listen-'));
const model = join(dir, 'model');
const problems = join(dir, 'problems.jsonl');
const tokenizer = join(dir, 'tokenizer.json');
let occupied: Server;
let busyPort = 0;

beforeAll(async () => {
  await trainTinyTextModel(model, 5);
  writeFileSync(problems, `${JSON.stringify({ problem: 'What is 2 + 3?', answer: '5' })}\n`);
  writeFileSync(tokenizer, JSON.stringify(tinyTokenizerJson()));
  occupied = createServer();
  await new Promise<void>((r) => occupied.listen(0, '127.0.0.1', r));
  busyPort = (occupied.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => occupied?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** Each server command with everything it needs but the listening options. */
const COMMANDS: Record<string, string[]> = {
  serve: ['serve', '--model', model],
  'serve-reward': ['serve-reward', '--workers', '1'],
  'serve-rollouts': [
    'serve-rollouts',
    ...['--backend', 'openai:http://127.0.0.1:9/v1#model=m', '--tokenizer', tokenizer],
    ...['--train', problems, '--seq-length', '64', '--verify-workers', '1'],
  ],
};
const portFlag = (cmd: string) => (cmd === 'serve-rollouts' ? '--ports' : '--port');

describe('listening options', () => {
  it('refuses a port out of range or a malformed host with one clear error, exit 1', () => {
    for (const [cmd, args] of Object.entries(COMMANDS)) {
      for (const port of ['99999', '-1', 'abc', '']) {
        const r = metacot([...args, portFlag(cmd), port], { timeoutMs: 20_000 });
        expect(r.code, `${cmd} ${port}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(
          /^error: option '--ports? <.*>' argument '.*' is invalid\. expected a port number in \[0, 65535\]/,
        );
        expect(r.stderr).not.toMatch(/internal error|at .*\.js/);
      }
      for (const [host, hint] of [
        ['http://0.0.0.0', 'without a scheme'],
        ['127.0.0.1:8000', 'give the port with --port'],
        ['bad host', ''],
      ]) {
        const r = metacot([...args, '--host', host!], { timeoutMs: 20_000 });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(
          /^error: option '--host <host>' argument '.*' is invalid\. expected an IP address or hostname/,
        );
        expect(r.stderr).toContain(hint);
      }
    }
    const list = metacot([...COMMANDS['serve-rollouts']!, '--ports', '10000,99999']);
    expect(list.stderr).toMatch(/expected a port number in \[0, 65535\].*got "99999"/);
  });

  it('says in one line that a port is in use (EADDRINUSE), exit 1', () => {
    for (const [cmd, args] of Object.entries(COMMANDS)) {
      const r = metacot([...args, portFlag(cmd), String(busyPort)], { timeoutMs: 30_000 });
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toBe(
        `metacot: error: cannot listen on 127.0.0.1:${busyPort}: the port is already in use (stop the other server or pick another port)\n`,
      );
    }
  });

  it('says in one line that a host is not an address of this machine', () => {
    const r = metacot([...COMMANDS['serve-reward']!, '--host', '192.0.2.1', '--port', '0', '--token', 't']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'metacot: error: cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine\n',
    );
  });

  it('warns at start when a server is reachable from other machines without a token', async () => {
    for (const [cmd, args] of Object.entries(COMMANDS)) {
      const server = await startCli([...args, '--host', '0.0.0.0', portFlag(cmd), '0'], /0\.0\.0\.0:\d+/);
      try {
        expect(server.stderr()).toMatch(
          /^warning: listening on 0\.0\.0\.0 without a token: anyone who can reach it can/,
        );
      } finally {
        await server.stop();
      }
    }
    // with a token (or on loopback) there is nothing to warn about
    const tokened = await startCli(
      [...COMMANDS['serve-reward']!, '--host', '0.0.0.0', '--port', '0', '--token', 't'],
      /0\.0\.0\.0:\d+/,
    );
    await tokened.stop();
    expect(tokened.stderr()).toBe('');
  });
});
