// B2 end to end: how many concurrent calls the real daemon (bin/b2bua.js, one media thread, pinned
// to CPU 1) carries with zero loss and p99 added latency <= 1 ms, every call set up through SIP.
// Our own SIP stack plays caller (leg A INVITE to the daemon) and callee (the daemon's
// outbound-proxy, answering leg B); leg B is always SDES. The C++ load generator
// (bench/native/loadgen.cc, CPU 0) then sends G.711 SRTP on every call with the keys and ports from
// the SDP, authenticates and compares every forwarded packet, and measures the added latency; then
// every call is hung up.
//
// Mode pairs (leg A <-> leg B):
//   sdes       the generator faces leg A itself: SDES<->SDES, the daemon alone on the path
//   sdes-hop   SDES<->SDES through the phones' engine (bench/calls-phone-host.ts, CPU 0), which
//   dtls       plays the phone: its leg toward the daemon runs SDES, a real DTLS-SRTP handshake or a
//   zrtp       real ZRTP handshake, its other leg SDES toward the generator (which speaks only SDES).
//              The hop adds its latency and shares CPU 0 with the generator, so the three *-hop
//              figures compare with each other, and sdes vs sdes-hop shows what the hop costs.
//
// Scheduling: the generator runs SCHED_FIFO from the start; the daemon and the phones' engine run
// pinned at nice -10 and their threads but the main one go SCHED_FIFO once the calls are up.
//
//   npm run bench -- calls [--pairs sdes,sdes-hop,dtls,zrtp] [--calls 250,500,...] [--rate 200]
//                          [--duration 6] [--warmup 1] [--suite S] [--suite-b S] [--p99-us 1000] [--no-realtime]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Dialog } from '../src/sip/dialog/dialog.js';
import { BenchDaemon } from './calls-daemon.js';
import { PhoneSide } from './calls-phones.js';
import type { PhoneMode } from './calls-sdp.js';
import { setUpCall } from './calls-setup.js';
import { SipPhones } from './calls-sip.js';
import { parseCapacityArgs, type CapacitySettings } from './native/capacity-args.js';
import { raiseHelperThreads } from './native/launcher.js';
import { LoadGenerator, lossless, type LoadResult } from './native/load-generator.js';
import { processCpuMicros } from './sipp.js';

const GENERATOR_CPU = 0;
const DAEMON_CPU = 1;

type Pair = 'sdes' | 'sdes-hop' | 'dtls' | 'zrtp';
const PAIRS: Record<Pair, { mode: PhoneMode; hop: boolean; label: string }> = {
  sdes: { mode: 'sdes', hop: false, label: 'SDES<->SDES' },
  'sdes-hop': { mode: 'sdes', hop: true, label: 'SDES<->SDES +hop' },
  dtls: { mode: 'dtls', hop: true, label: 'DTLS<->SDES +hop' },
  zrtp: { mode: 'zrtp', hop: true, label: 'ZRTP<->SDES +hop' },
};

interface Options extends CapacitySettings {
  pairs: Pair[];
  steps: number[];
  /** Calls set up (and hung up) per second. */
  rate: number;
}

interface Step {
  pair: Pair;
  calls: number;
  setupFailures: number;
  firstError: string | undefined;
  byeFailures: number;
  /** Undefined when no call was set up. */
  load: LoadResult | undefined;
  phonesCpuPercent: number | undefined;
  passed: boolean;
}

function parseOptions(args: string[]): Options {
  let pairs: Pair[] = ['sdes', 'sdes-hop', 'dtls', 'zrtp'];
  let rate = 200;
  const settings = parseCapacityArgs(args, (flag, value) => {
    if (flag === '--pairs') pairs = value.split(',') as Pair[];
    else if (flag === '--rate') rate = Number(value);
    else return false;
    return true;
  });
  for (const pair of pairs) if (!(pair in PAIRS)) throw new TypeError(`unknown pair ${pair} (${Object.keys(PAIRS).join(', ')})`);
  return { ...settings, steps: settings.steps ?? [250, 375, 500, 625, 750, 875, 1000, 1250, 1500], pairs, rate };
}

/** Runs `task(0..count-1)` started at `rate` per second, overlapping; settles once all have. */
async function paced<T>(count: number, rate: number, task: (index: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const started = performance.now();
  const running: Promise<T>[] = [];
  for (let index = 0; index < count; index++) {
    const wait = started + (index * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(task(index));
  }
  return Promise.allSettled(running);
}

/** CPU of `pid` over the time `work` takes, in % of one core. */
async function cpuPercentDuring<T>(pid: number, work: () => Promise<T>): Promise<[T, number]> {
  const [cpuBefore, wallBefore] = [processCpuMicros(pid), performance.now()];
  const result = await work();
  return [result, (100 * (processCpuMicros(pid) - cpuBefore)) / ((performance.now() - wallBefore) * 1000)];
}

async function runStep(pair: Pair, calls: number, options: Options): Promise<Step> {
  const { mode, hop } = PAIRS[pair];
  const sip = await SipPhones.start();
  const daemon = await BenchDaemon.start({ calleePort: sip.calleePort, legBSuite: options.suiteB, cpu: DAEMON_CPU });
  const phones = hop ? PhoneSide.start(GENERATOR_CPU) : undefined;
  let generator: LoadGenerator | undefined;
  try {
    generator = await LoadGenerator.start({
      calls, durationS: options.durationS, warmupS: options.warmupS, suiteA: options.suiteA, suiteB: options.suiteB,
      relayPid: daemon.pid, relayThread: '', cpu: GENERATOR_CPU, realtime: options.realtime,
    });
    const context = { sip, daemonPort: daemon.port, generator, phones, mode, suiteA: options.suiteA, suiteB: options.suiteB };
    const setups = await paced(calls, options.rate, (index) => setUpCall(context, index));
    const dialogs = setups.flatMap((setup) => (setup.status === 'fulfilled' ? [setup.value] : []));
    const firstFailure = setups.find((setup): setup is PromiseRejectedResult => setup.status === 'rejected');
    let load: LoadResult | undefined;
    let phonesCpuPercent: number | undefined;
    if (dialogs.length > 0) {
      // The node processes' media threads go real-time only now, with the set-up done (see raiseHelperThreads).
      if (options.realtime) for (const pid of [daemon.pid, ...(phones ? [phones.pid] : [])]) raiseHelperThreads(pid);
      const run = () => generator!.run();
      [load, phonesCpuPercent] = phones ? await cpuPercentDuring(phones.pid, run) : [await run(), undefined];
    }
    const byeFailures = await hangUp(dialogs, options.rate);
    const setupFailures = calls - dialogs.length;
    return {
      pair, calls, setupFailures, firstError: (firstFailure?.reason as Error | undefined)?.message, byeFailures, load, phonesCpuPercent,
      passed: setupFailures === 0 && load !== undefined && lossless(load) && load.p99Us <= options.p99LimitUs,
    };
  } finally {
    await generator?.stop();
    await phones?.stop();
    await daemon.stop();
    await sip.close();
  }
}

/** BYE on every leg A, paced like the set-up; resolves with how many did not get a 200. */
async function hangUp(dialogs: Dialog[], rate: number): Promise<number> {
  const byes = await paced(dialogs.length, rate, (index) => dialogs[index].bye());
  return byes.filter((bye) => bye.status === 'rejected' || bye.value.status !== 200).length;
}

/** Up to three attempts until one passes: one neighbour's burst on a shared machine must not decide a capacity. */
async function measure(pair: Pair, calls: number, options: Options): Promise<Step> {
  let best: Step | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const step = await runStep(pair, calls, options);
    printStep(step);
    if (!best || step.passed || (step.load?.p99Us ?? Infinity) < (best.load?.p99Us ?? Infinity)) best = step;
    if (step.passed || step.setupFailures > 0) break; // set-up failures are not noise
  }
  return best!;
}

/** The highest step of the list that passed, stepping up until the first failure. */
async function capacity(pair: Pair, options: Options): Promise<Step | undefined> {
  let best: Step | undefined;
  for (const calls of options.steps) {
    const step = await measure(pair, calls, options);
    if (!step.passed) break;
    best = step;
  }
  return best;
}

const COLUMNS = ['pair'.padEnd(17), ' calls', 'setup fail', 'bye fail', ' packets', '  loss', 'p50 us', ' p99 us', 'daemon %', 'us/pkt', 'phones %', 'gen %', 'result'];

function printStep(step: Step): void {
  const load = step.load;
  const percent = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(1));
  const cells = [
    PAIRS[step.pair].label.padEnd(17),
    String(step.calls).padStart(6),
    String(step.setupFailures).padStart(10),
    String(step.byeFailures).padStart(8),
    String(load?.sent ?? 0).padStart(8),
    String(load ? load.lost + load.authFailures + load.corrupt : '-').padStart(6),
    String(load?.p50Us ?? '-').padStart(6),
    String(load?.p99Us ?? '-').padStart(7),
    percent(load?.relayCpuPercent).padStart(8),
    (load && load.forwardedPps > 0 ? ((load.relayCpuPercent / 100) * 1e6 / load.forwardedPps).toFixed(2) : '-').padStart(6),
    percent(step.phonesCpuPercent).padStart(8),
    percent(load?.generatorCpuPercent).padStart(5),
    step.passed ? 'pass' : 'FAIL',
  ];
  console.log(cells.join(' | '));
  if (step.firstError) console.log(`  first set-up failure: ${step.firstError}`);
}

export async function main(args: string[]): Promise<void> {
  const options = parseOptions(args);
  console.log(`B2 end to end: calls set up through the daemon (SIP/UDP, ${options.rate} calls/s), then G.711 50 pkt/s per direction for ` +
    `${options.durationS}s (warm-up ${options.warmupS}s); leg A SDES ${options.suiteA} (or DTLS/ZRTP via the phones' engine), leg B SDES ` +
    `${options.suiteB}; pass = every call set up, 0 loss, p99 <= ${options.p99LimitUs} us. Daemon on CPU ${DAEMON_CPU}; generator ` +
    `and phones' engine on CPU ${GENERATOR_CPU}`);
  console.log(COLUMNS.join(' | '));
  const best = new Map<Pair, Step | undefined>();
  for (const pair of options.pairs) best.set(pair, await capacity(pair, options));
  console.log('daemon %, phones %, gen %: CPU of each process while media runs, in % of one core; us/pkt: daemon CPU per forwarded packet');
  console.log('+hop: leg A is played by the phones\' engine (CPU 0, beside the generator), and its hop is inside the latency');
  console.log('\nsummary (highest call count that passed)');
  for (const [pair, step] of best) {
    console.log(`  ${PAIRS[pair].label.padEnd(17)} ` + (step?.load ? `${step.calls} calls, p50 ${step.load.p50Us} us, p99 ${step.load.p99Us} us` : 'no step passed'));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
