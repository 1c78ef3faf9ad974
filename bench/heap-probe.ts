// Preloaded into the daemon by bench/cps.ts (`node --expose-gc --import heap-probe.js bin/b2bua.js`)
// so the benchmark can read the daemon's JS heap without a hook in the daemon itself:
// on SIGUSR2 it collects garbage and writes `HEAP <process.memoryUsage() as JSON>` to stderr.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stderr.write(`HEAP ${JSON.stringify(process.memoryUsage())}\n`);
});
