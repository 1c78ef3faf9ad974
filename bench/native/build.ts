// Builds the C++ benchmark tools with g++ against the vendored OpenSSL-backed libsrtp (.deps/libsrtp),
// outside the addon's CMake project. Rebuilt only when a source is newer than the binary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export class ToolBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolBuildError';
  }
}

const SOURCE_DIR = 'bench/native';
const OUTPUT_DIR = 'dist/bench/native/bin';
const LIBSRTP = '.deps/libsrtp';

/** Compiles `<tool>.cc` (with common.h) if needed and returns the binary's path. Run from the repo root. */
export function buildTool(tool: 'loadgen' | 'bare-relay'): string {
  const source = join(SOURCE_DIR, `${tool}.cc`);
  const header = join(SOURCE_DIR, 'common.h');
  const binary = join(OUTPUT_DIR, tool);
  if (!existsSync(join(LIBSRTP, 'lib/libsrtp2.a'))) throw new ToolBuildError(`${LIBSRTP}/lib/libsrtp2.a is missing (npm run setup)`);
  const newest = Math.max(statSync(source).mtimeMs, statSync(header).mtimeMs);
  if (existsSync(binary) && statSync(binary).mtimeMs > newest) return binary;
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const args = ['-O2', '-std=c++17', '-Wall', '-Wextra', `-I${LIBSRTP}/include`, source, `${LIBSRTP}/lib/libsrtp2.a`, '-lcrypto', '-o', binary];
  const result = spawnSync('g++', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new ToolBuildError(`g++ ${tool} failed:\n${result.stderr}`);
  return binary;
}
