// The shared wait-state timer: each waiter ends after its own duration, in order, with one timer
// per duration; waiters are let go as they end.
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { WaitQueue } from '../../../src/sip/transaction/wait-queue.js';

let now = 0;
function advance(ms: number): void {
  for (let i = 0; i < ms; i++) {
    now++;
    mock.timers.tick(1);
  }
}

/** A waiter that records when it was terminated. */
function waiter(name: string, ended: string[]) {
  return { terminate: () => ended.push(`${name}@${now}`) };
}

beforeEach(() => {
  now = 0;
  mock.timers.enable({ apis: ['setTimeout'] });
});
afterEach(() => mock.timers.reset());

describe('WaitQueue', () => {
  it('ends each waiter after its own duration, whatever the order they came in', () => {
    const queue = new WaitQueue(() => now);
    const ended: string[] = [];
    queue.add(100, waiter('a', ended));
    advance(10);
    queue.add(100, waiter('b', ended));
    queue.add(30, waiter('c', ended));
    advance(99);
    assert.deepEqual(ended, ['c@40', 'a@100']);
    assert.equal(queue.size, 1);
    advance(1);
    assert.deepEqual(ended, ['c@40', 'a@100', 'b@110']);
    assert.equal(queue.size, 0);
  });

  it('keeps order across compactions of a long lane', () => {
    const queue = new WaitQueue(() => now);
    const ended: string[] = [];
    for (let i = 0; i < 3000; i++) {
      queue.add(50, waiter(String(i), ended));
      if (i % 10 === 9) advance(1);
    }
    advance(400);
    assert.equal(ended.length, 3000);
    assert.deepEqual(
      ended.map((entry) => Number(entry.split('@')[0])),
      Array.from({ length: 3000 }, (_, i) => i),
    );
    for (const entry of ended) {
      const [index, at] = entry.split('@').map(Number) as [number, number];
      assert.equal(at, Math.floor(index / 10) + 50, `waiter ${index} ends 50 ms after it came`);
    }
  });

  it('clear() forgets the waiters without ending them', () => {
    const queue = new WaitQueue(() => now);
    const ended: string[] = [];
    queue.add(20, waiter('a', ended));
    queue.clear();
    advance(50);
    assert.deepEqual(ended, []);
    assert.equal(queue.size, 0);
    queue.add(20, waiter('b', ended));
    advance(20);
    assert.deepEqual(ended, ['b@70']);
  });
});
