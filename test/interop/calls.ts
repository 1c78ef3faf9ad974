// One Linphone-to-Linphone call through the deployment, seen from both clients and from the engine.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallStats } from '../../src/b2bua/call.js';
import type { LegStats } from '../../src/media/bridge.js';
import { rtpStatistics, type Linphone } from '../helpers/linphone.js';
import type { Deployment } from './deployment.js';

/** Audio packets each engine counter must pass: 200 ms of audio, so the first ones have long reached the clients. */
const FLOWING = 10;

export interface DialledCall {
  readonly caller: Linphone;
  readonly callee: Linphone;
  /** The daemons' call ids. */
  readonly callerId: string;
  readonly calleeId: string;
  /** Event counts and log offsets when the call was placed: what comes after is this call's. */
  readonly callerMark: number;
  readonly calleeMark: number;
  readonly callerLogOffset: number;
  readonly calleeLogOffset: number;
}

export interface PlacedCall extends DialledCall {
  /** oRTP's counters from each client's log, once its stream has stopped. */
  callerRtp(): { sent: number; received: number } | undefined;
  calleeRtp(): { sent: number; received: number } | undefined;
}

/** The caller calls the callee's address of record; resolves once the callee's daemon has the call. */
export async function dial(caller: Linphone, callee: Linphone): Promise<DialledCall> {
  const [callerMark, calleeMark] = [caller.mark(), callee.mark()];
  const [callerLogOffset, calleeLogOffset] = [caller.logOffset(), callee.logOffset()];
  const callerId = await caller.call(callee.uri);
  const incoming = await callee.waitForCallState('IncomingReceived', { after: calleeMark });
  assert.ok(incoming.id, 'the incoming call has an id');
  return { caller, callee, callerId, calleeId: incoming.id, callerMark, calleeMark, callerLogOffset, calleeLogOffset };
}

/** Dials an auto-answering callee; resolves once both clients are StreamsRunning. */
export async function placeCall(caller: Linphone, callee: Linphone): Promise<PlacedCall> {
  const call = await dial(caller, callee);
  await Promise.all([
    caller.waitForCallState('StreamsRunning', { id: call.callerId, after: call.callerMark }),
    callee.waitForCallState('StreamsRunning', { id: call.calleeId, after: call.calleeMark }),
  ]);
  return {
    ...call,
    callerRtp: () => rtpStatistics(caller.logSince(call.callerLogOffset)),
    calleeRtp: () => rtpStatistics(callee.logSince(call.calleeLogOffset)),
  };
}

/** `terminate` on one side; resolves once both clients have released the call. */
export async function hangUp(call: DialledCall, side: 'caller' | 'callee'): Promise<void> {
  const [agent, id] = side === 'caller' ? [call.caller, call.callerId] : [call.callee, call.calleeId];
  await agent.command(`terminate ${id}`);
  await bothReleased(call);
}

export async function bothReleased(call: DialledCall): Promise<void> {
  await Promise.all([
    call.caller.waitForCallState('Released', { id: call.callerId, after: call.callerMark }),
    call.callee.waitForCallState('Released', { id: call.calleeId, after: call.calleeMark }),
  ]);
}

/** The Call-ID of the first INVITE in a client's log from `offset`: the one it sent or received. */
export function inviteCallId(agent: Linphone, offset: number): string {
  const callId = /^INVITE sip:[^\n]*\n(?:[^\r\n]+\r?\n)*?Call-ID: (\S+)/m.exec(agent.logSince(offset))?.[1];
  assert.ok(callId, `${agent.options.user} logged an INVITE`);
  return callId;
}

/** The engine's counters of this call now (leg 0 = the caller's leg A, leg 1 = the callee's leg B). */
export async function engineStats(deployment: Deployment, call: DialledCall): Promise<CallStats> {
  const callIdA = inviteCallId(call.caller, call.callerLogOffset);
  const stats = (await deployment.core.callStats()).find((candidate) => candidate.callIdA === callIdA);
  assert.ok(stats, `the B2BUA has the call ${callIdA}`);
  assert.equal(stats.callIdB, inviteCallId(call.callee, call.calleeLogOffset), "leg B is the callee's call");
  return stats;
}

/**
 * Resolves with the engine's counters of this call once each leg has received and sent FLOWING
 * more packets than in `since`. Polled: the engine reports counters on request only.
 */
export async function audioFlowsBothWays(deployment: Deployment, call: DialledCall, since?: CallStats, timeoutMs = 10_000): Promise<CallStats> {
  const floor = (leg: 0 | 1, counter: 'packetsIn' | 'packetsOut') => (since?.media.streams[0]?.legs[leg][counter] ?? 0) + FLOWING;
  const flowing = (legs: [LegStats, LegStats]) =>
    ([0, 1] as const).every((leg) => legs[leg].packetsIn >= floor(leg, 'packetsIn') && legs[leg].packetsOut >= floor(leg, 'packetsOut'));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await engineStats(deployment, call);
    const legs = stats.media.streams[0]?.legs;
    assert.ok(legs, 'an audio stream');
    if (flowing(legs)) {
      assert.equal(legs[0].authFailures + legs[1].authFailures, 0, 'no SRTP authentication failure');
      return stats;
    }
    if (Date.now() > deadline) assert.fail(`audio did not flow both ways within ${timeoutMs} ms: ${JSON.stringify(legs)}`);
    await sleep(20);
  }
}

/**
 * Promise.all for concurrent calls that leaves no call behind: when one fails, the others are let
 * finish, `cleanUp` ends what is left, and the first failure is thrown (the next test starts clean).
 */
export async function settleAll<T>(calls: Promise<T>[], cleanUp: () => Promise<unknown>): Promise<T[]> {
  const results = await Promise.allSettled(calls);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await cleanUp();
    throw failed.reason;
  }
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
