// `npm run bench -- media [b1|b2] [b2 options]`: the media benchmarks, each side by side in one run.
//   B1  unprotect+protect per packet, per SDES suite: the engine's relay crypto (LegCrypto) beside
//       a bare libsrtp loop making the same two calls (native/tools/srtp_path_bench.cc, C++, so no
//       JS cost on either side). The ratio is what the engine's bookkeeping costs.
//   B2  capacity in calls (bench/media-capacity.ts): our engine, a bare C++ relay and rtpengine.
// Without b1/b2, both run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tool = `${root}build/tools/srtp_path_bench`;

interface SuiteResult {
  suite: string;
  bareMedian: number;
  bareMax: number;
  engineMedian: number;
  engineMax: number;
}

async function runB1(packets: number, runs: number): Promise<void> {
  if (!existsSync(tool)) throw new Error(`${tool} is missing: run \`npm run build:native\` first`);
  const { stdout } = await promisify(execFile)(tool, [String(packets), String(runs)]);
  const results = stdout.trim().split('\n').map((line) => JSON.parse(line) as SuiteResult);
  const k = (n: number) => `${(n / 1000).toFixed(0)}k`;
  console.log(`\nB1: unprotect + protect of a 172-byte G.711 packet, packets/s on one thread (${packets} packets, median / best of ${runs} interleaved runs)\n`);
  console.log(`${'suite'.padEnd(26)}${'bare libsrtp'.padStart(16)}${'engine path'.padStart(16)}${'engine/bare'.padStart(13)}`);
  for (const r of results) {
    const cells = [
      r.suite.padEnd(26),
      `${k(r.bareMedian)} / ${k(r.bareMax)}`.padStart(16),
      `${k(r.engineMedian)} / ${k(r.engineMax)}`.padStart(16),
      `${((r.engineMedian / r.bareMedian) * 100).toFixed(0)}%`.padStart(13),
    ];
    console.log(cells.join(''));
  }
}

export async function main(args: string[]): Promise<void> {
  const which = args[0] === 'b1' || args[0] === 'b2' ? args.shift() : undefined;
  if (which !== 'b2') await runB1(20000, 7);
  if (which !== 'b1') {
    const capacity = new URL('./media-capacity.js', import.meta.url);
    if (!existsSync(fileURLToPath(capacity))) {
      console.log('\nB2: bench/media-capacity.ts is not there; skipped.');
      return;
    }
    const { runCapacityBench } = (await import(capacity.href)) as { runCapacityBench(args: string[]): Promise<void> };
    await runCapacityBench(args);
  }
}
