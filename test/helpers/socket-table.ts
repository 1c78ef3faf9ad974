// Readiness of a child process's socket, read from the kernel's socket tables: sipp (and a daemon
// without a terminal) prints nothing when it binds, and no event tells when a child binds a socket.
import { readFileSync } from 'node:fs';

/**
 * Resolves once 127.0.0.1:port is a bound UDP socket (state 07) or a listening TCP one (0A).
 * `exitedWith` returns a message once the process is gone, so a dead process fails at once.
 */
export async function waitForSocket(
  protocol: 'udp' | 'tcp',
  port: number,
  exitedWith: () => string | undefined,
  timeoutMs = 10_000,
): Promise<void> {
  const needle = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${protocol === 'udp' ? '07' : '0A'}`;
  const deadline = Date.now() + timeoutMs;
  while (!readFileSync(`/proc/net/${protocol}`, 'utf8').includes(needle)) {
    const exited = exitedWith();
    if (exited !== undefined) throw new Error(exited);
    if (Date.now() > deadline) throw new Error(`nothing bound ${protocol} port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
