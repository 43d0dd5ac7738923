/**
 * Guards every command's output paths against its input paths: writing an output opens (and empties) it
 * first, so `--in X --out X` would destroy X before a line of it is read. Paths are compared as the file
 * system sees them: `./x` and `x`, a symlink and its target, and hard links (same device and inode) are the
 * same file.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../core/errors.js';

/** A path a command reads: `option` names where it came from (`--in`, `<config>`). */
export interface InputPath {
  option: string;
  /** Undefined (an optional option not given) is skipped. */
  path: string | undefined;
  /** A folder whose files are all read (`data build --in DIR`): nothing may be written under it. */
  recursive?: boolean;
}

/** A path a command writes: a file, or a folder (with the names of the files it writes there). */
export interface OutputPath {
  option: string;
  /** Undefined (an optional option not given) is skipped. */
  path: string | undefined;
  /** The output is a folder (implied by `writes`). */
  folder?: boolean;
  /** For a folder output: the files written in it. */
  writes?: readonly string[];
}

/** The absolute path with every symlink resolved, also for a path that does not exist yet (its nearest existing ancestor is resolved). */
export function canonicalPath(path: string): string {
  let head = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return join(head, ...rest.reverse());
      rest.push(basename(head));
      head = parent;
    }
  }
}

function identity(path: string): { dev: number; ino: number } | null {
  try {
    const st = statSync(path);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

/** Whether two paths name the same file or folder (symlinks, `./`, `..`, and hard links resolved). */
export function samePath(a: string, b: string): boolean {
  const ia = identity(a);
  const ib = identity(b);
  if (ia && ib) return ia.dev === ib.dev && ia.ino === ib.ino;
  return canonicalPath(a) === canonicalPath(b);
}

/** Whether `inner` is `outer` or lies under it. */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(canonicalPath(outer), canonicalPath(inner));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

function kindOf(path: string): 'file' | 'folder' | null {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return null;
  }
}

/**
 * Checks a command's outputs before it starts work, with one UserError naming the option: an output
 * that is a folder where a file is written (or the reverse), or that would overwrite an input (the same
 * file, a file a folder output writes, or an output under a folder that is read whole; both options named).
 */
export function checkOutputPaths(inputs: readonly InputPath[], outputs: readonly OutputPath[]): void {
  for (const o of outputs) {
    if (o.path === undefined) continue;
    const folder = o.folder === true || o.writes !== undefined;
    const kind = kindOf(o.path);
    if (kind === 'folder' && !folder)
      throw new UserError(`${o.option} ${o.path}: is a folder, expected a file`);
    if (kind === 'file' && folder) throw new UserError(`${o.option} ${o.path}: is a file, expected a folder`);
    for (const i of inputs) {
      if (i.path === undefined) continue;
      const both = `${o.option} ${o.path} and ${i.option} ${i.path}`;
      if (samePath(i.path, o.path))
        throw new UserError(
          `${both} name the same file: the output would overwrite the input; choose another ${o.option}`,
        );
      for (const name of o.writes ?? []) {
        if (samePath(i.path, join(o.path, name)))
          throw new UserError(
            `${both}: ${o.option} writes ${join(o.path, name)}, which is the input; choose another ${o.option}`,
          );
      }
      if (i.recursive && isInside(o.path, i.path))
        throw new UserError(
          `${both}: ${o.option} lies inside the input folder, so its files would be read as input next time; choose another ${o.option}`,
        );
    }
  }
}

/** A name that becomes one folder or file name: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const SEGMENT_RULE =
  "one folder name of letters, digits, '.', '_' and '-' (starting with a letter or digit, at most 100)";

/** Whether `name` is safe as one path component: no separators, no `..`, nothing a shell or file system treats specially. */
export function isSafeSegment(name: string): boolean {
  return SEGMENT.test(name);
}
