/**
 * Binding a listener, shared by every metacot server (`serve`, `serve-reward`, `serve-rollouts`): ports and hosts
 * are checked before anything is loaded, and the ways `listen` can fail become one line that says what to do.
 */
import { type AddressInfo, isIP, type Server } from 'node:net';
import { UserError } from '../core/errors.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** A hostname as DNS spells it: labels of letters, digits and hyphens, separated by dots. */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The reason `value` is not a TCP port (0 picks a free one), or null when it is one. */
export function portProblem(value: string): string | null {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535)
    return `expected a port number in [0, 65535] (0 picks a free one), got ${JSON.stringify(value)}`;
  return null;
}

/** The reason `host` is not an address or hostname to listen on, or null when it is one. */
export function hostProblem(host: string): string | null {
  if (isIP(host) !== 0 || HOSTNAME.test(host)) return null;
  const hint = /^[a-z]+:\/\//i.test(host)
    ? ' (give the interface only, without a scheme)'
    : /:\d+$/.test(host) && isIP(host) === 0
      ? ' (give the port with --port, not in the host)'
      : '';
  return `expected an IP address or hostname, got ${JSON.stringify(host)}${hint}`;
}

/** Whether a server on `host` can be reached from other machines. */
export function isExposed(host: string): boolean {
  return !LOOPBACK.has(host);
}

/**
 * The start-up warning for a server that other machines can reach without a token (null when there is none
 * to give). `what` says what an anonymous client gets.
 */
export function exposureWarning(host: string, token: string | undefined, what: string): string | null {
  if (!isExposed(host) || token !== undefined) return null;
  return `warning: listening on ${host} without a token: anyone who can reach it can ${what}`;
}

/** The one-line reason a `listen` failed, for the errors a person can act on; null for anything else. */
export function listenProblem(err: NodeJS.ErrnoException, host: string, port: number): string | null {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use (stop the other server or pick another port)`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied${port > 0 && port < 1024 ? ' (ports below 1024 need privileges)' : ''}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${host} is not an address of this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `cannot listen on ${where}: unknown host ${host}`;
    case 'ERR_SOCKET_BAD_PORT':
      return `cannot listen on ${where}: not a port number in [0, 65535]`;
    default:
      return null;
  }
}

/**
 * Starts `server` listening; resolves with the bound address. Failures a person can fix (port in use, no such
 * interface, privileged port) reject with a one-line UserError.
 */
export async function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  const problem = hostProblem(host);
  if (problem !== null) throw new UserError(`--host: ${problem}`);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const line = listenProblem(err as NodeJS.ErrnoException, host, port);
    throw line === null ? err : new UserError(line);
  }
  return server.address() as AddressInfo;
}

/** `http://address:port` for a bound address (IPv6 in brackets). */
export function httpUrl(addr: AddressInfo): string {
  return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
}
