import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildRecord, ChildRegistry, lockWorkDir, processAlive } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-iterate-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const waitFor = async (cond: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return cond();
};
const grandchild = (log: string) => Number(readFileSync(log, 'utf8').trim().split('\n')[0]);

describe('ChildRegistry', () => {
  it('stops the whole process group, SIGKILLing what ignores SIGTERM, and keeps the list current', async () => {
    const reg = new ChildRegistry(join(dir, 'a.json'));
    const log = join(dir, 'a.log');
    // a shell that ignores SIGTERM, with a background child of its own that prints its pid
    const c = reg.spawn('stubborn', "trap '' TERM; sleep 30 & echo $!; wait", log);
    expect(await waitFor(() => readFileSync(log, 'utf8').trim() !== '')).toBe(true);
    const sleeper = grandchild(log);
    expect((JSON.parse(readFileSync(reg.file, 'utf8')) as ChildRecord[]).map((r) => r.pid)).toEqual([c.pid]);
    const t0 = Date.now();
    const exit = await c.stop(300);
    expect(exit.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await waitFor(() => !processAlive(sleeper))).toBe(true);
    expect(JSON.parse(readFileSync(reg.file, 'utf8'))).toEqual([]);
  });

  it('reaps what a killed run left, but never a pid whose start time differs', async () => {
    const file = join(dir, 'b.json');
    const first = new ChildRegistry(file);
    const c = first.spawn('server', 'sleep 30', join(dir, 'b.log'));
    const live = JSON.parse(readFileSync(file, 'utf8')) as ChildRecord[];
    // a record whose pid is alive but is another process (this one): must be left alone
    writeFileSync(
      file,
      JSON.stringify([...live, { pid: process.pid, started: '1', label: 'impostor', command: 'x' }]),
    );
    const next = new ChildRegistry(file);
    expect(await next.reapLeftovers(1000)).toEqual([`server (pid ${c.pid})`]);
    expect(await waitFor(() => !processAlive(c.pid))).toBe(true);
    expect(processAlive(process.pid)).toBe(true);
    expect(next.recorded()).toEqual([]);
  });

  it('locks a work dir against a second live iterate, but not against a dead one', async () => {
    mkdirSync(join(dir, 'w'));
    const lock = join(dir, 'w', 'lock.json');
    const reg = new ChildRegistry(join(dir, 'c.json'));
    const other = reg.spawn('other', 'sleep 30', join(dir, 'c.log'));
    const record = reg.recorded()[0];
    writeFileSync(lock, JSON.stringify({ pid: other.pid, started: record.started }));
    expect(() => lockWorkDir(lock)).toThrow(
      `${join(dir, 'w')} is in use by another metacot iterate (pid ${other.pid})`,
    );
    await other.stop(1000);
    const release = lockWorkDir(lock);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    release();
    expect(() => readFileSync(lock)).toThrow();
  });
});
