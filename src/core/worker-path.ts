import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a worker thread's compiled script is: beside the calling module when it runs from dist/, else
 * in the package's dist/ (tests run the TypeScript sources, and worker threads need JavaScript).
 * `moduleUrl` is the caller's `import.meta.url`; `distPath` is the script's path under dist/.
 */
export function compiledWorkerPath(moduleUrl: string, distPath: string): string | null {
  const here = dirname(fileURLToPath(moduleUrl));
  const beside = join(here, distPath.split('/').at(-1)!);
  if (existsSync(beside)) return beside;
  for (let dir = here, k = 0; k < 6; dir = dirname(dir), k++) {
    const candidate = join(dir, 'dist', ...distPath.split('/'));
    if (existsSync(candidate)) return candidate;
  }
  return null;
}
