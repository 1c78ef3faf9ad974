// `npm run bench -- sip uas [--rates 500,1000,...] [--seconds N] [--no-reference]`
// Signalling throughput of our UAS (bench/uas-server.ts, its own node process, UDP) under
// `sipp -sn uac -r RATE -m RATE*SECONDS` (INVITE/100/200/ACK/BYE/200), stepping the rate up.
// The same steps run against `sipp -sn uas` as the reference peer, in the same run.
// Prints one row per step: failed calls (including calls unfinished at sipp's timeout), sipp's
// retransmissions, achieved cps (successful calls / wall time, so a retransmission tail lowers it)
// and the UAS process's CPU time per call (the figure least disturbed by a noisy machine).
// Then the highest rate with no failed call, and the highest one also kept up with (>= 95 %).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../test/helpers/ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIPP = '/usr/bin/sipp';
const SERVER = fileURLToPath(new URL('./uas-server.js', import.meta.url));

interface Step {
  uas: 'ours' | 'sipp uas';
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  retransmissions: number;
  achieved: number;
  /** CPU time of the UAS process per successful call. */
  cpuPerCall: number;
}

interface Settings {
  rates: number[];
  seconds: number;
  reference: boolean;
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = { rates: [1000, 2000, 3000, 4000, 5000, 6000, 7000], seconds: 5, reference: true };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--rates') settings.rates = (args[++i] ?? '').split(',').map(Number).filter((n) => n > 0);
    else if (arg === '--seconds') settings.seconds = Number(args[++i]);
    else if (arg === '--no-reference') settings.reference = false;
    else throw new Error(`unknown argument ${arg}`);
  }
  return settings;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

interface Server {
  child: ChildProcess;
  /** Stops the UAS and resolves with the CPU time it used, in microseconds. */
  stop(): Promise<number>;
}

/** Our UAS in its own process; resolves once it prints READY. It reports its CPU time on SIGTERM. */
async function startOurs(port: number): Promise<Server> {
  const child = spawn(process.execPath, [SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('READY')) resolve();
    });
    child.once('exit', () => reject(new Error(`uas-server exited: ${text}`)));
  });
  return {
    child,
    async stop() {
      await stop(child);
      const report = JSON.parse(text.split('\n').find((line) => line.startsWith('{')) ?? '{}') as { cpuMicros?: number };
      return report.cpuMicros ?? Number.NaN;
    },
  };
}

/** utime + stime of a running process, in microseconds (from /proc, in clock ticks of 10 ms). */
function processCpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** sipp's own UAS, the reference; its SIP socket is bound when it appears in the socket table. */
async function startSippUas(port: number): Promise<Server> {
  const child = spawn(SIPP, ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-cp', String(await freePort()), '-nostdin', '-timeout', '600s'], {
    stdio: 'ignore',
  });
  const needle = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 07`;
  while (!readFileSync('/proc/net/udp', 'utf8').includes(needle)) {
    if (child.exitCode !== null) throw new Error('sipp uas exited');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    child,
    async stop() {
      const cpu = processCpuMicros(child.pid ?? 0);
      await stop(child);
      return cpu;
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
  await exited(child);
}

async function runStep(uas: Step['uas'], rate: number, seconds: number): Promise<Step> {
  const port = await freePort();
  const server = uas === 'ours' ? await startOurs(port) : await startSippUas(port);
  const dir = mkdtempSync(join(tmpdir(), 'sipp-bench-'));
  const statFile = join(dir, 'stat.csv');
  const calls = rate * seconds;
  const started = process.hrtime.bigint();
  const sipp = spawn(
    SIPP,
    [
      '-sn', 'uac', '-i', '127.0.0.1', '-p', String(await freePort()), '-cp', String(await freePort()),
      '-r', String(rate), '-m', String(calls), '-nostdin', '-timeout', `${seconds * 4 + 40}s`,
      '-trace_stat', '-stf', statFile, '-fd', '1', `127.0.0.1:${port}`,
    ],
    { stdio: 'ignore', cwd: dir },
  );
  await exited(sipp);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuMicros = await server.stop();
  const stats = lastRow(readFileSync(statFile, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  const successful = stats('SuccessfulCall(C)');
  return {
    uas,
    rate,
    calls,
    successful,
    // Calls sipp never finished (global timeout) count as failed too.
    failed: calls - successful,
    retransmissions: stats('Retransmissions(C)'),
    achieved: successful / elapsed,
    cpuPerCall: cpuMicros / successful,
  };
}

function lastRow(csv: string): (column: string) => number {
  const lines = csv.trim().split('\n');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.at(-1)?.split(';') ?? [];
  return (column) => Number(last[header.indexOf(column)] ?? Number.NaN);
}

function printTable(steps: Step[]): void {
  console.log('\nUAS signalling throughput (sipp -sn uac, UDP, INVITE/100/200/ACK/BYE/200)');
  console.log('uas       | rate cps | calls  | failed | retrans | achieved cps | UAS CPU us/call');
  console.log('----------|----------|--------|--------|---------|--------------|----------------');
  for (const s of steps) {
    console.log(
      `${s.uas.padEnd(9)} | ${String(s.rate).padStart(8)} | ${String(s.calls).padStart(6)} | ${String(s.failed).padStart(6)} | ${String(s.retransmissions).padStart(7)} | ${s.achieved.toFixed(0).padStart(12)} | ${s.cpuPerCall.toFixed(0).padStart(15)}`,
    );
  }
}

export async function runUasBench(args: string[]): Promise<void> {
  const settings = parseArgs(args);
  const steps: Step[] = [];
  const uasList: Step['uas'][] = settings.reference ? ['ours', 'sipp uas'] : ['ours'];
  for (const uas of uasList) {
    for (const rate of settings.rates) {
      const step = await runStep(uas, rate, settings.seconds);
      steps.push(step);
      console.log(`${uas} @ ${rate} cps: ${step.successful}/${step.calls} ok, ${step.failed} failed, ${step.retransmissions} retransmissions`);
      // Past the first failing rate the higher ones only fail harder.
      if (step.failed > 0) break;
    }
  }
  printTable(steps);
  const best = (rates: number[]): string => (rates.length ? `${Math.max(...rates)} cps` : 'none');
  for (const uas of uasList) {
    const clean = steps.filter((s) => s.uas === uas && s.failed === 0);
    const keptUp = clean.filter((s) => s.achieved >= 0.95 * s.rate);
    console.log(
      `${uas}: highest rate with 0 failed calls: ${best(clean.map((s) => s.rate))}; also achieved >= 95 %: ${best(keptUp.map((s) => s.rate))}`,
    );
  }
}
