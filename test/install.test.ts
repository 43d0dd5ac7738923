/**
 * What `npm ci` needs to stay silent and working on a fresh clone (CI's `.ci/run` walks that path for real):
 * the built bin is executable (npx links it once per folder, so a bin without its run bit fails only after a
 * re-clone), every package with an install script is covered by `allowScripts` (npm 11 warns otherwise), and
 * every package in the lock file admits this Node and Node 20.19 (npm warns EBADENGINE otherwise).
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

describe('install', () => {
  it('builds an executable bin', () => {
    const bin = join(root, pkg.bin.metacot);
    expect(existsSync(bin), `${bin} is built by npm run build`).toBe(true);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(() => accessSync(bin, constants.X_OK)).not.toThrow();
  });

  it('decides for every installed package with an install script whether it may run', () => {
    const allow: Record<string, boolean> = pkg.allowScripts;
    const withScripts = new Set<string>();
    for (const [path, entry] of Object.entries<{ hasInstallScript?: boolean }>(lock.packages)) {
      if (path === '' || !entry.hasInstallScript) continue;
      const dir = join(root, path);
      if (!existsSync(join(dir, 'package.json'))) continue; // an optional package for another platform
      const { name, scripts = {} } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (INSTALL_SCRIPTS.some((s) => s in scripts)) withScripts.add(name);
    }
    expect([...withScripts].filter((name) => !(name in allow))).toEqual([]);
    expect(Object.keys(allow).filter((name) => !withScripts.has(name))).toEqual([]);
    // its CUDA download is the one script that must not run: the CPU runtime ships in the package
    expect(allow['onnxruntime-node']).toBe(false);
  });

  it('installs only packages whose engines admit Node 20.19 and this Node', () => {
    const refused: string[] = [];
    for (const [path, entry] of Object.entries<{ engines?: { node?: string } }>(lock.packages)) {
      const range = entry.engines?.node;
      if (!range || path === '') continue;
      for (const version of ['20.19.0', process.versions.node])
        if (!semver.satisfies(version, range)) refused.push(`${path} (node ${range}) refuses ${version}`);
    }
    expect(refused).toEqual([]);
  });

  it('keeps no project .npmrc keys that npm 11 calls unknown', () => {
    expect(existsSync(join(root, '.npmrc'))).toBe(false);
  });
});
