// How the capacity benchmarks pin a process to one CPU and raise its priority.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/**
 * Command prefix that pins a process to one CPU at raised priority. The machine is shared: under
 * the default CFS, a relay woken by a packet can wait a neighbour's whole time slice (~3 ms, which
 * alone fails p99 <= 1 ms at 50 calls), so by default the tools run SCHED_FIFO; they sleep in epoll
 * when idle, and the kernel's real-time throttling still leaves neighbours 5%. Without `realtime`
 * they run at nice -10 in an autogroup of their own instead (plain nice does not cross session
 * autogroups). The prefix execs, so the spawned PID is the tool's own.
 */
export function launcher(cpu: number, realtime: boolean): string[] {
  const priority = realtime ? 'exec chrt -f 10 taskset -c "$0" "$@"' : 'exec nice -n -10 taskset -c "$0" "$@"';
  return ['setsid', 'sh', '-c', `echo -10 > /proc/self/autogroup 2>/dev/null; ${priority}`, String(cpu)];
}

export class SchedulingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulingError';
  }
}

/**
 * Moves every thread of a running node process but its main thread to SCHED_FIFO (the launcher's
 * priority): the media threads then preempt whatever else shares their CPU, as the pinned C++
 * tools do. The main thread stays as it was: node run whole under SCHED_FIFO on one CPU was seen
 * with its main thread spinning while the V8 helper threads it waited for (same priority, same
 * CPU) never ran, starving its own media thread and, through real-time throttling, the CPU.
 */
export function raiseHelperThreads(pid: number): void {
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    if (task === String(pid)) continue;
    const result = spawnSync('chrt', ['-f', '-p', '10', task], { encoding: 'utf8' });
    // A thread may have ended since the listing.
    if (result.status !== 0 && existsSync(`/proc/${pid}/task/${task}`)) throw new SchedulingError(`chrt -f -p 10 ${task} failed: ${result.stderr}`);
  }
}
