// Running sipp and reading what it and the processes under test report, shared by the
// signalling benchmarks (bench/sip-uas.ts, bench/cps.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { sippStatColumn } from '../test/helpers/sipp.js';
import { waitForSocket } from '../test/helpers/socket-table.js';

export const SIPP = '/usr/bin/sipp';

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
  await exited(child);
}

/** utime + stime of a running process, in microseconds (from /proc, in clock ticks of 10 ms). */
export function processCpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Resolves once a UDP socket of `child` is bound on 127.0.0.1:port. */
export function udpBound(port: number, child: ChildProcess): Promise<void> {
  return waitForSocket('udp', port, () => (child.exitCode !== null ? `${child.spawnargs[0]} exited before binding UDP ${port}` : undefined));
}

export interface SippServer {
  child: ChildProcess;
  /** Stops the server and resolves with the CPU time it used, in microseconds. */
  stop(): Promise<number>;
}

/** `sipp -sn uas` on 127.0.0.1:port, resolved once its SIP socket is bound. */
export async function startSippUas(port: number): Promise<SippServer> {
  const child = spawn(SIPP, ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-cp', String(await freePort()), '-nostdin', '-timeout', '600s'], {
    stdio: 'ignore',
  });
  await udpBound(port, child);
  return {
    child,
    async stop() {
      const cpu = processCpuMicros(child.pid ?? 0);
      await stop(child);
      return cpu;
    },
  };
}

export interface UacOptions {
  target: string;
  rate: number;
  calls: number;
  timeoutSeconds: number;
  /** Pause between ACK and BYE, in milliseconds (sipp's -d); sipp's default when absent. */
  pauseMs?: number;
  /** Called once sipp runs, with its process (to sample something while calls are up). */
  whileRunning?: (sipp: ChildProcess) => Promise<void>;
}

export interface UacResult {
  successful: number;
  /** Calls sipp did not finish successfully, including those unfinished at its timeout. */
  failed: number;
  retransmissions: number;
  elapsedSeconds: number;
}

/** `sipp -sn uac` (INVITE with SDP/100/200/ACK/BYE/200) against `target`, read from its final stat row. */
export async function runSippUac(options: UacOptions): Promise<UacResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-bench-'));
  const statFile = join(dir, 'stat.csv');
  const started = process.hrtime.bigint();
  const args = [
    '-sn', 'uac', '-i', '127.0.0.1', '-p', String(await freePort()), '-cp', String(await freePort()),
    '-r', String(options.rate), '-m', String(options.calls), '-nostdin', '-timeout', `${options.timeoutSeconds}s`,
    '-trace_stat', '-stf', statFile, '-fd', '1',
  ];
  if (options.pauseMs !== undefined) args.push('-d', String(options.pauseMs));
  args.push(options.target);
  const sipp = spawn(SIPP, args, { stdio: 'ignore', cwd: dir });
  await options.whileRunning?.(sipp);
  await exited(sipp);
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stats = sippStatColumn(readFileSync(statFile, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  const successful = stats('SuccessfulCall(C)');
  return { successful, failed: options.calls - successful, retransmissions: stats('Retransmissions(C)'), elapsedSeconds };
}
