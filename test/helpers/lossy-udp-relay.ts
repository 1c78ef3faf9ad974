// A UDP relay between one client and one server that drops chosen datagrams: deterministic message
// loss for retransmission tests, with real sockets on both sides (the peers never lose anything
// themselves, unlike sipp's random -lost, which also makes sipp abort its own calls).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';

export type RelayDirection = 'to-server' | 'to-client';

/** Returns true for a datagram to drop. */
export type DropRule = (datagram: Buffer, direction: RelayDirection) => boolean;

export interface LossyUdpRelay {
  /** Where the client sends: the relay's client-facing port on 127.0.0.1. */
  readonly port: number;
  readonly dropped: { 'to-server': number; 'to-client': number };
  close(): Promise<void>;
}

export async function startLossyUdpRelay(serverPort: number, drop: DropRule): Promise<LossyUdpRelay> {
  const clientSide = createSocket('udp4');
  const serverSide = createSocket('udp4');
  await Promise.all([bind(clientSide), bind(serverSide)]);
  const dropped = { 'to-server': 0, 'to-client': 0 };
  let client: RemoteInfo | undefined;
  clientSide.on('message', (datagram, from) => {
    client = from;
    if (drop(datagram, 'to-server')) dropped['to-server']++;
    else serverSide.send(datagram, serverPort, '127.0.0.1');
  });
  serverSide.on('message', (datagram) => {
    if (!client) return;
    if (drop(datagram, 'to-client')) dropped['to-client']++;
    else clientSide.send(datagram, client.port, client.address);
  });
  return {
    port: clientSide.address().port,
    dropped,
    close: async () => {
      await Promise.all([new Promise<void>((r) => clientSide.close(() => r())), new Promise<void>((r) => serverSide.close(() => r()))]);
    },
  };
}

async function bind(socket: Socket): Promise<void> {
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
}

/**
 * Drops the first copy of every message whose first line matches `firstLine`, per Call-ID and
 * CSeq: each such message then arrives only through a retransmission.
 */
export function dropFirstCopies(firstLine: RegExp): DropRule {
  const seen = new Set<string>();
  return (datagram) => {
    const text = datagram.toString('latin1');
    const line = text.slice(0, text.indexOf('\r\n'));
    if (!firstLine.test(line)) return false;
    const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*(.+)$/im.exec(text)?.[1]?.trim();
    const cseq = /^CSeq[ \t]*:[ \t]*(.+)$/im.exec(text)?.[1]?.trim();
    const key = `${line}|${callId}|${cseq}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
}
