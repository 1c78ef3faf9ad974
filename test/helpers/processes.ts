// Spawned peers (sipp, kamailio, linphone-daemon, openssl): every one is tracked and killed by PID.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Peer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Resolves when `pattern` appears in the output; rejects after `timeoutMs` with the output so far. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const running = new Set<Peer>();

export function startPeer(command: string, args: string[], options: SpawnOptions = {}): Peer {
  // Its own process group, so that killing it also kills the workers it forks (kamailio).
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, ...options });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(peer);
      for (const listener of listeners) listener();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const peer: Peer = {
    child,
    pid: child.pid,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 10_000) {
      const matches = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
      return new Promise((resolve, reject) => {
        if (matches()) return resolve();
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} from ${command}; output:\n${text}`));
        }, timeoutMs);
        const check = () => {
          if (matches()) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`${command} exited before ${pattern}; output:\n${text}`));
          }
        };
        listeners.add(check);
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(peer.pid, signal);
        const timer = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) killGroup(peer.pid, 'SIGKILL');
        }, 3000);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
  running.add(peer);
  return peer;
}

/** Kills every peer still running (call from an `after` hook), with the processes each forked. */
export async function killAllPeers(): Promise<void> {
  await Promise.all(
    [...running].map((peer) => {
      killGroup(peer.pid, 'SIGKILL');
      return peer.exited;
    }),
  );
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

process.once('exit', () => {
  for (const peer of running) killGroup(peer.pid, 'SIGKILL');
});
