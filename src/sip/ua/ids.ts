// Identifiers the UA generates: branches, tags and Call-IDs. A random per-process prefix plus a
// counter keeps them unique (RFC 3261 §8.1.1.7, §19.3) without a crypto call per message.
import { randomBytes, randomFillSync } from 'node:crypto';
import { MAGIC_COOKIE } from '../transaction/keys.js';

const prefix = randomBytes(6).toString('hex');
let counter = Math.floor(Math.random() * 0x10000);

function next(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return counter.toString(36);
}

export function newBranch(): string {
  return `${MAGIC_COOKIE}${prefix}${next()}`;
}

export function newTag(): string {
  return `${prefix.slice(0, 8)}${next()}`;
}

/** Random bytes drawn a block at a time: one crypto call per 1,024 Call-IDs rather than per call. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

export function newCallId(): string {
  return `${prefix}-${next()}-${randomHex(4)}`;
}
