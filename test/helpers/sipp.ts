// Runs sipp (Debian sip-tester 3.6.1) in the foreground on allocated ports, tracked by PID.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeEvenPortBlock, freePort } from './ports.js';
import { startPeer, type Peer } from './processes.js';
import { waitForSocket } from './socket-table.js';

export const SIPP = '/usr/bin/sipp';

export interface SippOptions {
  /** A built-in scenario (`uac`, `uas`) or the path of a scenario XML file. */
  scenario: string;
  /** host:port to call (UAC scenarios). */
  remote?: string;
  transport?: 'udp' | 'tcp';
  /** Calls to run before exiting (-m). */
  calls: number;
  /** Calls per second (-r). */
  rate?: number;
  /** Calls at once at most (-l). */
  limit?: number;
  /** Percentage of messages lost, both ways (-lost). */
  lost?: number;
  /** Safety net: sipp quits after this many seconds (-timeout). */
  timeoutSeconds?: number;
  /** SIP port of sipp; one is allocated when absent. */
  port?: number;
  extraArgs?: string[];
}

export interface SippResult {
  /** 0: every call succeeded; 1: at least one failed; 97/99 and -1 (255): aborted. */
  exitCode: number | string;
  successful: number;
  failed: number;
  /** Retransmissions sipp sent. */
  retransmissions: number;
  output: string;
  errors: string;
}

export interface SippRun {
  peer: Peer;
  port: number;
  /** Resolves once sipp's SIP socket is bound (UAS scenarios: before calling it). */
  listening(): Promise<void>;
  /** Resolves when sipp exits, with its exit code and final statistics. */
  result: Promise<SippResult>;
}

/** Starts sipp; the caller awaits `result` (and kills it via killAllPeers in `after`). */
export async function startSipp(options: SippOptions): Promise<SippRun> {
  const [port, mediaPort, controlPort] = await sippPorts(options.port);
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const statFile = join(dir, 'stat.csv');
  const scenario = options.scenario.endsWith('.xml') ? ['-sf', options.scenario] : ['-sn', options.scenario];
  const args = [
    ...scenario,
    '-i', '127.0.0.1',
    '-p', String(port),
    '-mp', String(mediaPort),
    '-cp', String(controlPort),
    '-t', options.transport === 'tcp' ? 't1' : 'u1',
    '-m', String(options.calls),
    '-r', String(options.rate ?? 10),
    '-timeout', `${options.timeoutSeconds ?? 30}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_stat', '-stf', statFile, '-fd', '1',
    '-trace_err', '-error_file', join(dir, 'errors.log'),
    ...(options.limit ? ['-l', String(options.limit)] : []),
    ...(options.lost ? ['-lost', String(options.lost)] : []),
    ...(options.extraArgs ?? []),
    ...(options.remote ? [options.remote] : []),
  ];
  const peer = startPeer(SIPP, args, { cwd: dir });
  const result = peer.exited.then((exitCode) => {
    const stats = readStats(statFile);
    const errors = readIfThere(join(dir, 'errors.log'));
    rmSync(dir, { recursive: true, force: true });
    return { exitCode, ...stats, output: peer.output(), errors };
  });
  const protocol = options.transport ?? 'udp';
  const exitedWith = () => (peer.child.exitCode !== null ? `sipp exited before binding its port:\n${peer.output()}` : undefined);
  return { peer, port, result, listening: () => waitForSocket(protocol, port, exitedWith) };
}

/** SIP, media and control ports, all distinct; sipp binds media on mp..mp+3 (audio and video). */
async function sippPorts(fixedSip: number | undefined): Promise<[number, number, number]> {
  const sip = fixedSip ?? (await freePort());
  for (;;) {
    // All four media ports must be free: the engine of a B2BUA under test binds kernel-chosen ones.
    const media = await freeEvenPortBlock(4);
    const control = await freePort();
    const mediaRange = (p: number) => p >= media && p <= media + 3;
    if (!mediaRange(sip) && !mediaRange(control) && control !== sip) return [sip, media, control];
  }
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A column of the last row of sipp's `-trace_stat` CSV (cumulative counters); NaN if absent. */
export function sippStatColumn(csv: string): (column: string) => number {
  const lines = csv.trim().split('\n');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.at(-1)?.split(';') ?? [];
  return (name) => {
    const index = header.indexOf(name);
    return index === -1 ? Number.NaN : Number(last[index]);
  };
}

function readStats(path: string): { successful: number; failed: number; retransmissions: number } {
  const column = sippStatColumn(readIfThere(path));
  return {
    successful: column('SuccessfulCall(C)'),
    failed: column('FailedCall(C)'),
    retransmissions: column('Retransmissions(C)'),
  };
}
