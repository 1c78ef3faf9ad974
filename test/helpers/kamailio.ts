// Kamailio (Debian 5.6) in the foreground on an allocated port with packaging/kamailio/b2bua-proxy.cfg,
// playing Flexisip's proxy in front of the B2BUA. Tracked and killed by PID.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPeer, type Peer } from './processes.js';
import { waitForSocket } from './socket-table.js';

const KAMAILIO = '/usr/sbin/kamailio';
const PROXY_CONFIG = fileURLToPath(new URL('../../../packaging/kamailio/b2bua-proxy.cfg', import.meta.url));

export interface KamailioOptions {
  /** Where initial INVITEs from clients go (the config's B2BUA_URI). */
  b2buaUri: string;
  /** The B2BUA's User-Agent, so that its leg B INVITEs are not sent back to it. */
  b2buaUserAgent: string;
  /** tm's fr_timer: how long an unanswered branch waits for any response before the proxy answers 408. */
  noResponseTimeoutMs?: number;
  /** UDP and TCP port on 127.0.0.1 (from freePort: the B2BUA needs it before Kamailio starts). */
  port: number;
}

export interface Kamailio {
  readonly peer: Peer;
  readonly port: number;
  /** SIGTERM (kamailio then stops its worker processes; SIGKILL would orphan them), then removes its run directory. */
  stop(): Promise<void>;
}

export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const { port } = options;
  const defines = [
    `LISTEN_UDP=udp:127.0.0.1:${port}`,
    `LISTEN_TCP=tcp:127.0.0.1:${port}`,
    `B2BUA_URI="${options.b2buaUri}"`,
    `B2BUA_USER_AGENT="${options.b2buaUserAgent}"`,
    ...(options.noResponseTimeoutMs === undefined ? [] : [`NO_RESPONSE_TIMEOUT_MS=${options.noResponseTimeoutMs}`]),
  ];
  const runDir = mkdtempSync(join(tmpdir(), 'b2bua-kamailio-'));
  const peer = startPeer(KAMAILIO, ['-f', PROXY_CONFIG, '-DD', '-E', '-Y', runDir, ...defines.flatMap((define) => ['-A', define])]);
  // It prints its listen list before binding: ready once both sockets are bound.
  const exited = () => (peer.child.exitCode === null ? undefined : `kamailio exited:\n${peer.output()}`);
  await Promise.all([waitForSocket('udp', port, exited), waitForSocket('tcp', port, exited)]);
  const stop = async () => {
    await peer.kill('SIGTERM');
    rmSync(runDir, { recursive: true, force: true });
  };
  return { peer, port, stop };
}
