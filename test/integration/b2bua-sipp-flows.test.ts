// Call flows through the B2BUA that Linphone cannot drive (reference §3.5–3.9), with sipp on both
// sides: sipp as the caller on leg A, sipp as the callee on leg B (the B2BUA's outbound-proxy points
// at it). Each scenario checks what it receives (ereg check_it), so a wrong relay makes sipp fail;
// every test ends with the B2BUA idle.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllPeers } from '../helpers/processes.js';
import { startSipp, type SippResult } from '../helpers/sipp.js';
import { UdpPeer } from '../media/harness.js';
import { call, fixture, startAgent, startB2bua, stopAgent, type B2bua } from './b2bua-harness.js';

/** A stuck scenario fails in seconds; the longest wait is a glare retry on leg B (up to 4 s). */
const SCENARIO_TIMEOUT_S = 15;
/** Longer than any scenario: a call still there then was left behind by the B2BUA. */
const IDLE_TIMEOUT_MS = (SCENARIO_TIMEOUT_S + 5) * 1000;

function assertPassed(result: SippResult, side: string): void {
  assert.equal(result.exitCode, 0, `${side}:\n${result.output}${result.errors}`);
}

/** Runs `body` against a fresh B2BUA; it must end with no call left, and is stopped even on failure. */
async function withB2bua(proxyPort: number, extraConfig: string, body: (b2bua: B2bua) => Promise<void>): Promise<void> {
  const b2bua = await startB2bua(proxyPort, extraConfig);
  try {
    await body(b2bua);
    let guard: NodeJS.Timeout | undefined;
    const leftBehind = new Promise<never>((_resolve, reject) => {
      guard = setTimeout(() => reject(new Error(`${b2bua.core().activeCalls} call(s) left behind`)), IDLE_TIMEOUT_MS);
    });
    await Promise.race([b2bua.core().whenIdle(), leftBehind]).finally(() => clearTimeout(guard));
  } finally {
    const drained = b2bua.daemon.drain();
    // A second drain ends the calls a failed test left behind at once.
    if (b2bua.core().activeCalls > 0) void b2bua.daemon.drain();
    await drained;
  }
}

/** sipp as leg B (`legBCalls` INVITEs) and as leg A (one call); both scenarios must pass. */
async function runPair(caller: string, callee: string, legBCalls = 1): Promise<void> {
  const legB = await startSipp({ scenario: fixture(callee), calls: legBCalls, timeoutSeconds: SCENARIO_TIMEOUT_S });
  await legB.listening();
  await withB2bua(legB.port, '', async (b2bua) => {
    const legA = await startSipp({ scenario: fixture(caller), calls: 1, remote: `127.0.0.1:${b2bua.port}`, timeoutSeconds: SCENARIO_TIMEOUT_S });
    const [a, b] = await Promise.all([legA.result, legB.result]);
    // Both sides' output on failure: the side that failed first is not always the one that exits non-zero.
    const report = `leg A (${caller}):\n${a.output}${a.errors}\nleg B (${callee}):\n${b.output}${b.errors}`;
    assert.deepEqual([a.exitCode, b.exitCode], [0, 0], report);
  });
}

/**
 * Calls the B2BUA with `b2bua-uac-refused.xml` (its offer's m= line given) and returns the final
 * response sipp received, read from its message log.
 */
async function refusedCall(b2buaPort: number, offerMedia: string): Promise<{ status: number; reason: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-refused-'));
  const log = join(dir, 'messages.log');
  try {
    const legA = await startSipp({
      scenario: fixture('b2bua-uac-refused.xml'),
      calls: 1,
      remote: `127.0.0.1:${b2buaPort}`,
      timeoutSeconds: SCENARIO_TIMEOUT_S,
      extraArgs: ['-key', 'offer_media', offerMedia, '-trace_msg', '-message_file', log],
    });
    assertPassed(await legA.result, 'leg A (b2bua-uac-refused.xml)');
    const finals = [...readFileSync(log, 'utf8').matchAll(/message received[^\n]*\n\s*SIP\/2\.0 ([2-6]\d\d) ([^\r\n]*)/g)];
    const [, status, reason] = finals.at(-1) ?? assert.fail('sipp logged no final response');
    return { status: Number(status), reason: reason! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** sipp as leg A (`caller`) and as leg B (`callee`, taking `legBCalls` INVITEs, 1 by default). */
const FLOWS: { title: string; caller: string; callee: string; legBCalls?: number }[] = [
  {
    title: "relays INFO DTMF both ways with its body and Content-Type, and returns the other leg's final status",
    caller: 'b2bua-uac-info-dtmf.xml',
    callee: 'b2bua-uas-info-dtmf.xml',
  },
  {
    title: "glare on leg B: leg A holds, leg B answers the B2BUA's re-INVITE with 491, the B2BUA retries it and leg B accepts",
    caller: 'b2bua-uac-hold.xml',
    callee: 'b2bua-uas-hold-491-then-200.xml',
  },
  {
    title: "glare on leg A: leg B holds, leg A answers the B2BUA's re-INVITE with 491, then accepts the retry",
    caller: 'b2bua-uac-held-491-then-200.xml',
    callee: 'b2bua-uas-hold.xml',
  },
  {
    title: "glare: a re-INVITE from leg B while the B2BUA's own is pending gets 491",
    caller: 'b2bua-uac-hold.xml',
    callee: 'b2bua-uas-hold-glare.xml',
  },
  {
    title: 'video added by a re-INVITE from leg A is offered to leg B and the answer accepts it',
    caller: 'b2bua-uac-add-video.xml',
    callee: 'b2bua-uas-add-video.xml',
  },
  {
    title: 'blind transfer: REFER relayed with Refer-To and Referred-By, 202 back, NOTIFYs mirrored (1xx as 100 Trying, 2xx as 200 OK, a failure as sent)',
    caller: 'b2bua-uac-refer.xml',
    callee: 'b2bua-uas-refer.xml',
  },
  {
    title: 'attended transfer: an INVITE with Referred-By and a Replaces naming a bridged leg A reaches leg B with both, Replaces rewritten to leg B',
    caller: 'b2bua-uac-replaces.xml',
    callee: 'b2bua-uas-replaces.xml',
    legBCalls: 2,
  },
  {
    title: 'forked INVITEs of one call get a leg B each; cancelling one fork cancels its leg B only',
    caller: 'b2bua-uac-forked.xml',
    callee: 'b2bua-uas-fork-ring-then-answer.xml',
    legBCalls: 2,
  },
];

describe('b2bua in-dialog flows with sipp on both legs', () => {
  after(killAllPeers);

  for (const flow of FLOWS) it(flow.title, () => runPair(flow.caller, flow.callee, flow.legBCalls));
});

describe('b2bua refusals before leg B, with a sipp caller', () => {
  after(killAllPeers);

  for (const [what, offerMedia, status, fault] of [
    ['an offer that does not parse', 'm=audio 6000 RTP/AVP', 400, /media line/i],
    ['an offer with no profile it can use', 'm=audio 6000 RTP/XYZ 0', 488, /media/i],
  ] as const) {
    it(`${what}: ${status} with a reason phrase naming the fault, no leg B`, async () => {
      const proxy = await UdpPeer.open();
      try {
        await withB2bua(proxy.port, '', async (b2bua) => {
          const response = await refusedCall(b2bua.port, offerMedia);
          assert.equal(response.status, status);
          assert.match(response.reason, fault);
          assert.equal(b2bua.core().activeCalls, 0);
        });
        assert.equal(proxy.queued, 0, 'leg B was sent something');
      } finally {
        proxy.close();
      }
    });
  }

  it('max-calls reached: the second call gets 503 with Retry-After and no leg B', async () => {
    const legB = await startSipp({ scenario: 'uas', calls: 1, timeoutSeconds: SCENARIO_TIMEOUT_S });
    await legB.listening();
    const caller = await startAgent();
    try {
      await withB2bua(legB.port, '[b2bua-server]\nmax-calls=1\n', async (b2bua) => {
        // The first caller is our own agent: its 200 is awaited, so the second INVITE finds the call in place.
        const first = await call(caller, b2bua.port);
        assert.equal(first.response.status, 200);
        // b2bua-uac-refused.xml checks the 503's Retry-After.
        assert.equal((await refusedCall(b2bua.port, 'm=audio 6000 RTP/AVP 0')).status, 503);
        assert.equal(b2bua.core().activeCalls, 1);
        await first.dialog!.bye();
        assertPassed(await legB.result, 'leg B (uas)');
      });
    } finally {
      await stopAgent(caller);
    }
  });
});
