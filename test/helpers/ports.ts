// Port allocation for tests: ports are never fixed; the kernel picks free ones.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A port free for both UDP and TCP on 127.0.0.1 at the time of the call. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeTcpPort();
    if (await udpPortIsFree(port)) return port;
  }
  throw new Error('could not find a port free for both UDP and TCP');
}

/** `count` distinct free ports; with `even`, each is even and its successor (RTP+RTCP) is free too. */
export async function freePorts(count: number, opts: { even?: boolean } = {}): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = opts.even ? await freeEvenPortBlock(2) : await freePort();
    if (!ports.has(port) && !ports.has(port - 1) && !ports.has(port + 1)) ports.add(port);
  }
  return [...ports];
}

/** An even port P such that the UDP ports P .. P+size-1 are all free (an RTP port range). */
export async function freeEvenPortBlock(size: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    // Linux hands out odd ports to bind(0) (even ones are kept for connect()): start at the even
    // neighbour of a free port.
    const found = await freePort();
    const base = found % 2 === 0 ? found : found + 1;
    const free = await Promise.all(Array.from({ length: size }, (_, i) => udpPortIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`could not find ${size} consecutive free UDP ports`);
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}
