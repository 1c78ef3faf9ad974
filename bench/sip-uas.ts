// `npm run bench -- sip uas [--rates 500,1000,...] [--seconds N] [--no-reference]`
// Signalling throughput of our UAS (bench/uas-server.ts, its own node process, UDP) under
// `sipp -sn uac -r RATE -m RATE*SECONDS` (INVITE/100/200/ACK/BYE/200), stepping the rate up.
// The same steps run against `sipp -sn uas` as the reference peer, in the same run.
// Prints one row per step: failed calls (including calls unfinished at sipp's timeout), sipp's
// retransmissions, achieved cps (successful calls / wall time, so a retransmission tail lowers it)
// and the UAS process's CPU time per call (the figure least disturbed by a noisy machine).
// Then the highest rate with no failed call, and the highest one also kept up with (>= 95 %).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';
import { runSippUac, startSippUas, stop, type SippServer } from './sipp.js';

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

/** Our UAS in its own process; resolves once it prints READY. It reports its CPU time on SIGTERM. */
async function startOurs(port: number): Promise<SippServer> {
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

async function runStep(uas: Step['uas'], rate: number, seconds: number): Promise<Step> {
  const port = await freePort();
  const server = uas === 'ours' ? await startOurs(port) : await startSippUas(port);
  const calls = rate * seconds;
  const result = await runSippUac({ target: `127.0.0.1:${port}`, rate, calls, timeoutSeconds: seconds * 4 + 40 });
  const cpuMicros = await server.stop();
  return {
    uas,
    rate,
    calls,
    successful: result.successful,
    failed: result.failed,
    retransmissions: result.retransmissions,
    achieved: result.successful / result.elapsedSeconds,
    cpuPerCall: cpuMicros / result.successful,
  };
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
