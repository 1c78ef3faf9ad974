// The phones' side of the end-to-end benchmark, in a child process: a MediaEngine (one media thread)
// whose bridges each stand for one caller's phone. Leg 0 faces the daemon's leg A in the mode under
// test (SDES, DTLS-SRTP or ZRTP: a real handshake with the daemon); leg 1 faces the load generator
// in SDES, since the generator speaks only SDES. JS only sets bridges up; packets stay native.
//
// JSON lines on stdin/stdout, answered by id (requests may overlap):
//   {"op":"open","id":1,"mode":"dtls","generatorPort":P,"suite":S,"fromGenerator":K,"toGenerator":K}
//     -> {"id":1,"phonePort":P0,"generatorSidePort":P1,"fingerprint":F} (dtls) / "helloHash":H (zrtp)
//   {"op":"connect","id":1,"port":DAEMON_LEG_A_PORT,"security":{...}}   (see ConnectRequest)
//     -> {"id":1} once leg 0's keys are in use (DTLS connected, ZRTP secure; SDES at once),
//        or {"id":1,"error":"..."}
import { createInterface } from 'node:readline';
import { MediaEngine } from '../src/media/engine.js';
import type { MediaBridge } from '../src/media/bridge.js';
import { isSrtpSuiteName, type SrtpSuiteName } from '../src/media/suites.js';
import type { PhoneMode } from './calls-sdp.js';

export interface OpenRequest {
  op: 'open';
  id: number;
  mode: PhoneMode;
  generatorPort: number;
  suite: string;
  /** Base64 key || salt the generator protects with, and the one it authenticates with. */
  fromGenerator: string;
  toGenerator: string;
}

export interface OpenReply {
  id: number;
  phonePort: number;
  generatorSidePort: number;
  fingerprint?: string;
  helloHash?: string;
}

export interface ConnectRequest {
  op: 'connect';
  id: number;
  port: number;
  security:
    | { mode: 'sdes'; suite: string; sendKey: string; receiveKey: string }
    | { mode: 'dtls'; role: 'active' | 'passive'; fingerprint: string }
    | { mode: 'zrtp'; peerHelloHash: string };
}

export interface ConnectReply {
  id: number;
  error?: string;
}

function suiteNamed(name: string): SrtpSuiteName {
  if (!isSrtpSuiteName(name)) throw new TypeError(`unknown suite ${name}`);
  return name;
}

const key = (base64: string) => Buffer.from(base64, 'base64');
const LOCAL = '127.0.0.1';

class PhoneHost {
  private readonly engine = new MediaEngine({ threads: 1, audioPorts: '0', rtpTimeoutMs: 0 });
  private readonly bridges = new Map<number, MediaBridge>();

  open(request: OpenRequest): OpenReply {
    const bridge = this.engine.createBridge([{ kind: 'audio', localAddresses: [LOCAL, LOCAL] }]);
    this.bridges.set(request.id, bridge);
    bridge.updateLeg(0, 1, {
      mode: 'srtp',
      remote: { address: LOCAL, rtpPort: request.generatorPort },
      srtp: { suite: suiteNamed(request.suite), sendKey: key(request.toGenerator), receiveKey: key(request.fromGenerator) },
    });
    const [phone, generatorSide] = bridge.streams[0].legs;
    const reply: OpenReply = { id: request.id, phonePort: phone.rtpPort, generatorSidePort: generatorSide.rtpPort };
    if (request.mode === 'dtls') reply.fingerprint = this.engine.dtlsFingerprint;
    if (request.mode === 'zrtp') reply.helloHash = bridge.zrtpHelloHash(0, 0);
    return reply;
  }

  async connect(request: ConnectRequest): Promise<ConnectReply> {
    const bridge = this.bridges.get(request.id);
    if (!bridge) return { id: request.id, error: 'no such call' };
    const remote = { address: LOCAL, rtpPort: request.port };
    const { security } = request;
    if (security.mode === 'sdes') {
      bridge.updateLeg(0, 0, {
        mode: 'srtp', remote, srtp: { suite: suiteNamed(security.suite), sendKey: key(security.sendKey), receiveKey: key(security.receiveKey) },
      });
      return { id: request.id };
    }
    const settled = new Promise<ConnectReply>((resolve) => {
      const failed = (event: { reason: string }) => resolve({ id: request.id, error: `${security.mode} failed: ${event.reason}` });
      const succeeded = () => resolve({ id: request.id });
      if (security.mode === 'dtls') bridge.once('dtls-connected', succeeded).once('dtls-failed', failed);
      else bridge.once('zrtp-secure', succeeded).once('zrtp-failed', failed);
    });
    if (security.mode === 'dtls') {
      bridge.updateLeg(0, 0, { mode: 'dtls', remote, dtls: { setup: security.role, fingerprint: security.fingerprint } });
    } else {
      bridge.updateLeg(0, 0, { mode: 'zrtp', remote, zrtp: { peerHelloHash: security.peerHelloHash } });
    }
    return settled;
  }

  close(): void {
    this.engine.close();
  }
}

const host = new PhoneHost();
process.once('SIGTERM', () => {
  host.close();
  process.exit(0);
});
const reply = (message: OpenReply | ConnectReply) => process.stdout.write(`${JSON.stringify(message)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as OpenRequest | ConnectRequest;
  if (request.op === 'open') reply(host.open(request));
  else void host.connect(request).then(reply);
}
