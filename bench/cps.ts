// `npm run bench -- cps [--rates 500,1000,...] [--seconds N] [--idle-calls N] [--no-reference] [--no-heap] [--cpu-prof DIR]`
// B3 signalling: `sipp -sn uac` (INVITE with a plain RTP SDP offer/100/200/ACK/BYE/200) → our
// daemon (bin/b2bua.js, UDP, one media thread, no ICE) → `sipp -sn uas` as the callee, stepping
// the rate up. The reference in the same run is sipp uac → sipp uas directly (no B2BUA), the
// ceiling of the harness itself. Each row: failed calls (including calls unfinished at sipp's
// timeout), sipp's retransmissions, achieved cps and the daemon's CPU time per call.
// Then the heap figure: N established calls held idle (sipp's -d pause), the daemon's JS heap
// (read through bench/heap-probe.ts after a GC) minus its heap before them, divided by N: read
// 5 s after the last set-up, and again once the setup transactions (64×T1) are gone.
// N defaults to 4,000: each call holds 4 media sockets, and this machine's hard limit is 20,000
// open files per process, so 10,000 idle calls cannot be held here.
// --cpu-prof DIR: the daemon runs under node's --cpu-prof and writes one .cpuprofile per step in DIR.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';
import { parseRateArgs, printRateSteps, rateStep, stepRates, type RateStep } from './rate-steps.js';
import { processCpuMicros, runSippUac, startSippUas, stop, udpBound } from './sipp.js';

const DAEMON = fileURLToPath(new URL('../../bin/b2bua.js', import.meta.url));
const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.js', import.meta.url));

type Target = 'b2bua' | 'direct';

/** The default 4,000: each call holds 4 media sockets against a 20,000 open-file limit (see above). */
const DEFAULT_IDLE_CALLS = 4_000;

interface Daemon {
  child: ChildProcess;
  port: number;
  /** The daemon's heap in use after a GC, in bytes. */
  heapUsed(): Promise<number>;
  stop(): Promise<void>;
}

async function startDaemon(calleePort: number, profileDir?: string): Promise<Daemon> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'b2bua-cps-'));
  const set = (key: string): string[] => ['--set', key];
  const child = spawn(
    process.execPath,
    [
      '--expose-gc', ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), '--import', HEAP_PROBE, DAEMON,
      ...set(`b2bua-server/transport=sip:127.0.0.1:${port};transport=udp`),
      ...set(`b2bua-server/outbound-proxy=sip:127.0.0.1:${calleePort};transport=udp`),
      ...set(`b2bua-server/data-directory=${dataDir}`),
      ...set('b2bua-server/enable-ice=false'),
      // Throughput and heap are measured, not admission: the default 500 would refuse the idle calls.
      ...set('b2bua-server/max-calls=20000'),
      // sipp's calls carry no RTP: the default 30 s would end the idle calls before their heap is read.
      ...set('b2bua-server/no-rtp-timeout=3600'),
      ...set('b2bua-daemon/media-threads=1'),
      ...set('b2bua-daemon/log-level=warn'),
      ...set('b2bua-daemon/drain-timeout=0'),
    ],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  let stderr = '';
  const heapWaiters: ((bytes: number) => void)[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    let newline: number;
    while ((newline = stderr.indexOf('\n')) >= 0) {
      const line = stderr.slice(0, newline);
      stderr = stderr.slice(newline + 1);
      if (line.startsWith('HEAP ')) heapWaiters.shift()?.((JSON.parse(line.slice(5)) as { heapUsed: number }).heapUsed);
      else process.stderr.write(`${line}\n`);
    }
  });
  await udpBound(port, child);
  return {
    child,
    port,
    heapUsed() {
      return new Promise((resolve) => {
        heapWaiters.push(resolve);
        child.kill('SIGUSR2');
      });
    },
    async stop() {
      // Calls left over by an overloaded step would hold the drain open: give it a moment, then kill.
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await stop(child);
      clearTimeout(killer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function runStep(path: Target, rate: number, seconds: number, profileDir?: string): Promise<RateStep> {
  const calleePort = await freePort();
  const callee = await startSippUas(calleePort);
  const daemon = path === 'b2bua' ? await startDaemon(calleePort, profileDir) : undefined;
  const cpuBefore = daemon ? processCpuMicros(daemon.child.pid ?? 0) : 0;
  const calls = rate * seconds;
  const result = await runSippUac({
    target: `127.0.0.1:${daemon?.port ?? calleePort}`, rate, calls, timeoutSeconds: seconds * 2 + 20,
  });
  const cpuMicros = daemon ? processCpuMicros(daemon.child.pid ?? 0) - cpuBefore : Number.NaN;
  await daemon?.stop();
  await callee.stop();
  return rateStep(path, rate, calls, result, cpuMicros);
}

/** Setup transactions linger 64×T1 (32 s, Timers L and M) after a call is answered. */
const TRANSACTION_LINGER_SECONDS = 32;

interface IdleHeap {
  /** Bytes per call 5 s after the last call was set up: its setup transactions are still held. */
  settingUp: number;
  /** Bytes per call once those transactions are gone: what an idle call costs for as long as it lasts. */
  idle: number;
  established: number;
  failed: number;
}

/** Heap per call with `calls` established calls held idle, read twice (see IdleHeap). */
async function measureIdleHeap(calls: number): Promise<IdleHeap> {
  const calleePort = await freePort();
  const callee = await startSippUas(calleePort);
  const daemon = await startDaemon(calleePort);
  const before = await daemon.heapUsed();
  const rate = 500;
  const setupSeconds = Math.ceil(calls / rate);
  const settledSeconds = setupSeconds + TRANSACTION_LINGER_SECONDS + 5;
  // Held long enough that every call is up, and both heaps read, before the first BYE.
  const pauseMs = (settledSeconds + 15) * 1000;
  let settingUp = Number.NaN;
  let idle = Number.NaN;
  const result = await runSippUac({
    target: `127.0.0.1:${daemon.port}`, rate, calls, pauseMs, timeoutSeconds: setupSeconds * 2 + pauseMs / 1000 + 60,
    whileRunning: async () => {
      await new Promise((resolve) => setTimeout(resolve, (setupSeconds + 5) * 1000));
      settingUp = await daemon.heapUsed();
      await new Promise((resolve) => setTimeout(resolve, (settledSeconds - setupSeconds - 5) * 1000));
      idle = await daemon.heapUsed();
    },
  });
  await daemon.stop();
  await callee.stop();
  const perCall = (heap: number) => (heap - before) / calls;
  return { settingUp: perCall(settingUp), idle: perCall(idle), established: calls - result.failed, failed: result.failed };
}

export async function main(args: string[]): Promise<void> {
  let idleCalls = DEFAULT_IDLE_CALLS;
  let heap = true;
  let profileDir: string | undefined;
  const settings = parseRateArgs(args, { rates: [500, 1000, 1500, 2000, 2500, 3000], seconds: 5, reference: true }, (arg, value) => {
    if (arg === '--idle-calls') return (idleCalls = Number(value)), 2;
    if (arg === '--no-heap') return (heap = false), 1;
    if (arg === '--cpu-prof') return (profileDir = value), 2;
    return 0;
  });
  const targets: Target[] = settings.reference ? ['b2bua', 'direct'] : ['b2bua'];
  const steps = await stepRates(targets, settings, (path, rate) => runStep(path as Target, rate, settings.seconds, profileDir));
  printRateSteps('B3 signalling (sipp uac → b2bua → sipp uas, UDP, plain RTP SDP, media-threads=1)', 'daemon CPU us/call', steps);
  if (heap) {
    const result = await measureIdleHeap(idleCalls);
    console.log(
      `\nJS heap with ${idleCalls} idle calls (${result.established} established, ${result.failed} failed): ` +
        `${(result.idle / 1024).toFixed(1)} KiB per call once idle ${TRANSACTION_LINGER_SECONDS + 5} s, ` +
        `${(result.settingUp / 1024).toFixed(1)} KiB per call 5 s after set-up (setup transactions still held)`,
    );
  }
}
