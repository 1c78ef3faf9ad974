// What the sipp-driven signalling benches share: the rate arguments, stepping the call rate up per
// target (stopping at a target's first failing rate), the table, and the best-rate summary.
import type { UacResult } from './sipp.js';

export interface RateStep {
  /** What was measured at this step: ours, or the reference peer. */
  target: string;
  rate: number;
  calls: number;
  successful: number;
  /** Calls that failed, including calls unfinished at sipp's timeout. */
  failed: number;
  retransmissions: number;
  /** Successful calls per second of wall time: a retransmission tail lowers it. */
  achieved: number;
  /** CPU time of the measured process per successful call (NaN when there is none to measure). */
  cpuPerCall: number;
}

/** A step's row from sipp uac's outcome and the measured process's CPU time (µs) over the step. */
export function rateStep(target: string, rate: number, calls: number, result: UacResult, cpuMicros: number): RateStep {
  return {
    target,
    rate,
    calls,
    successful: result.successful,
    failed: result.failed,
    retransmissions: result.retransmissions,
    achieved: result.successful / result.elapsedSeconds,
    cpuPerCall: cpuMicros / result.successful,
  };
}

export interface RateSettings {
  rates: number[];
  seconds: number;
  /** Run the reference target too. */
  reference: boolean;
}

/**
 * Reads `--rates a,b,c`, `--seconds N` and `--no-reference`; any other argument goes to `extra`,
 * which returns how many arguments it took (0 = unknown).
 */
export function parseRateArgs(args: string[], defaults: RateSettings, extra: (arg: string, value: string | undefined) => number = () => 0): RateSettings {
  const settings = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--rates') settings.rates = (args[++i] ?? '').split(',').map(Number).filter((n) => n > 0);
    else if (arg === '--seconds') settings.seconds = Number(args[++i]);
    else if (arg === '--no-reference') settings.reference = false;
    else {
      const taken = extra(arg, args[i + 1]);
      if (taken === 0) throw new Error(`unknown argument ${arg}`);
      i += taken - 1;
    }
  }
  return settings;
}

/** Runs every target at rising rates; past a target's first failing rate the higher ones only fail harder. */
export async function stepRates(
  targets: string[],
  settings: RateSettings,
  run: (target: string, rate: number) => Promise<RateStep>,
): Promise<RateStep[]> {
  const steps: RateStep[] = [];
  for (const target of targets) {
    for (const rate of settings.rates) {
      const step = await run(target, rate);
      steps.push(step);
      console.log(`${target} @ ${rate} cps: ${step.successful}/${step.calls} ok, ${step.failed} failed, ${step.retransmissions} retransmissions`);
      if (step.failed > 0) break;
    }
  }
  return steps;
}

/** The table, then per target the highest rate with no failed call and the highest also kept up with (>= 95 %). */
export function printRateSteps(title: string, cpuLabel: string, steps: RateStep[]): void {
  const width = Math.max(6, ...steps.map((s) => s.target.length));
  console.log(`\n${title}`);
  console.log(`${'target'.padEnd(width)} | rate cps | calls  | failed | retrans | achieved cps | ${cpuLabel}`);
  console.log(`${'-'.repeat(width)}-|----------|--------|--------|---------|--------------|-${'-'.repeat(cpuLabel.length)}`);
  for (const s of steps) {
    const cpu = Number.isFinite(s.cpuPerCall) ? s.cpuPerCall.toFixed(0) : '-';
    console.log(
      `${s.target.padEnd(width)} | ${String(s.rate).padStart(8)} | ${String(s.calls).padStart(6)} | ${String(s.failed).padStart(6)} | ${String(s.retransmissions).padStart(7)} | ${s.achieved.toFixed(0).padStart(12)} | ${cpu.padStart(cpuLabel.length)}`,
    );
  }
  const best = (rates: number[]): string => (rates.length ? `${Math.max(...rates)} cps` : 'none');
  for (const target of new Set(steps.map((s) => s.target))) {
    const clean = steps.filter((s) => s.target === target && s.failed === 0);
    const keptUp = clean.filter((s) => s.achieved >= 0.95 * s.rate);
    console.log(`${target}: highest rate with 0 failed calls: ${best(clean.map((s) => s.rate))}; also achieved >= 95 %: ${best(keptUp.map((s) => s.rate))}`);
  }
}
