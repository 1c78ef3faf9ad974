// The daemon under test in the end-to-end benchmark: `bin/b2bua.js` as a pinned child, SIP on UDP,
// one media thread, no ICE, leg B always SDES with one suite, limits that do not cut the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';
import { launcher } from './native/launcher.js';
import { stopChild } from './native/relay.js';
import { udpBound } from './sipp.js';

const DAEMON = fileURLToPath(new URL('../../bin/b2bua.js', import.meta.url));

export interface DaemonOptions {
  calleePort: number;
  /** Leg B's only SDES suite (`outgoing-srtp-regex`). */
  legBSuite: string;
  cpu: number;
}

export class BenchDaemon {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dataDirectory: string,
  ) {}

  static async start(options: DaemonOptions): Promise<BenchDaemon> {
    const port = await freePort();
    const dataDirectory = mkdtempSync(join(tmpdir(), 'b2bua-calls-'));
    const settings = [
      `b2bua-server/transport=sip:127.0.0.1:${port};transport=udp`,
      `b2bua-server/outbound-proxy=sip:127.0.0.1:${options.calleePort};transport=udp`,
      `b2bua-server/data-directory=${dataDirectory}`,
      'b2bua-server/enable-ice=false',
      // Capacity is measured, not admission (default 500) nor the RTP timeout (calls wait for
      // their media while the others are set up).
      'b2bua-server/max-calls=20000',
      'b2bua-server/no-rtp-timeout=600',
      'b2bua-server::trenscrypter/outgoing-enc-regex=sdes .*',
      `b2bua-server::trenscrypter/outgoing-srtp-regex=${options.legBSuite} .*`,
      'b2bua-daemon/media-threads=1',
      'b2bua-daemon/log-level=warn',
      'b2bua-daemon/drain-timeout=0',
    ];
    // Normal priority (nice -10): only its helper threads may go real-time, once calls are up (raiseHelperThreads).
    const [command, ...prefix] = launcher(options.cpu, false);
    const child = spawn(command, [...prefix, process.execPath, DAEMON, ...settings.flatMap((setting) => ['--set', setting])], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const daemon = new BenchDaemon(child, port, dataDirectory);
    try {
      await udpBound(port, child);
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    return daemon;
  }

  get pid(): number {
    return this.child.pid!;
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    rmSync(this.dataDirectory, { recursive: true, force: true });
  }
}
