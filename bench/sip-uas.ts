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
import { parseRateArgs, printRateSteps, rateStep, stepRates, type RateStep } from './rate-steps.js';
import { runSippUac, startSippUas, stop, type SippServer } from './sipp.js';

const SERVER = fileURLToPath(new URL('./uas-server.js', import.meta.url));

type Target = 'ours' | 'sipp uas';

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

async function runStep(uas: Target, rate: number, seconds: number): Promise<RateStep> {
  const port = await freePort();
  const server = uas === 'ours' ? await startOurs(port) : await startSippUas(port);
  const calls = rate * seconds;
  const result = await runSippUac({ target: `127.0.0.1:${port}`, rate, calls, timeoutSeconds: seconds * 4 + 40 });
  const cpuMicros = await server.stop();
  return rateStep(uas, rate, calls, result, cpuMicros);
}

export async function runUasBench(args: string[]): Promise<void> {
  const settings = parseRateArgs(args, { rates: [1000, 2000, 3000, 4000, 5000, 6000, 7000], seconds: 5, reference: true });
  const targets: Target[] = settings.reference ? ['ours', 'sipp uas'] : ['ours'];
  const steps = await stepRates(targets, settings, (uas, rate) => runStep(uas as Target, rate, settings.seconds));
  printRateSteps('UAS signalling throughput (sipp -sn uac, UDP, INVITE/100/200/ACK/BYE/200)', 'UAS CPU us/call', steps);
}
