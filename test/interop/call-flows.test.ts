// Calls that do not simply connect, between Linphone clients through Kamailio and the B2BUA: CANCEL
// while ringing, the callee declining, a callee whose client is gone, and a callee whose media
// stops (no-rtp-timeout). Each ends both legs and leaves no call in the B2BUA or the clients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Linphone } from '../helpers/linphone.js';
import { audioFlowsBothWays, bothReleased, dial, placeCall } from './calls.js';
import { Deployment, PROXY_NO_RESPONSE_TIMEOUT_MS } from './deployment.js';

const NO_RTP_TIMEOUT_S = 2;

/**
 * The distinct final statuses of INVITEs in a log (received as caller, sent as callee), in order;
 * a header block ends at its blank line, so a match never spans two messages.
 */
function inviteFinalStatuses(log: string): number[] {
  const statuses = [...log.matchAll(/^SIP\/2\.0 ([3-6]\d\d) [^\n]*\n(?:[^\r\n]+\r?\n)*?CSeq: \d+ INVITE/gm)].map((match) => Number(match[1]));
  return [...new Set(statuses)];
}

describe('Linphone call flows through Kamailio and the B2BUA', () => {
  let deployment: Deployment;
  let alice: Linphone;
  let carol: Linphone;

  before(async () => {
    deployment = await Deployment.start({ noRtpTimeout: NO_RTP_TIMEOUT_S });
    // carol rings until told otherwise; no mode suffix, so leg B takes leg A's (SDES).
    [alice, carol] = await Promise.all([
      deployment.agent({ user: 'alice', encryption: 'srtp' }),
      deployment.agent({ user: 'carol', encryption: 'srtp' }),
    ]);
  });
  after(() => deployment.stop());

  it('the caller cancels while the callee rings: CANCEL reaches the callee, both calls end with 487', async () => {
    const call = await dial(alice, carol);
    await alice.waitForCallState('OutgoingRinging', { id: call.callerId, after: call.callerMark });
    await alice.command(`terminate ${call.callerId}`);
    await bothReleased(call);
    assert.ok(/^CANCEL sip:/m.test(carol.logSince(call.calleeLogOffset)), `the callee received a CANCEL`);
    assert.deepEqual(inviteFinalStatuses(carol.logSince(call.calleeLogOffset)), [487], "the callee's INVITE ended with 487");
    assert.deepEqual(inviteFinalStatuses(alice.logSince(call.callerLogOffset)), [487], "the caller's INVITE ended with 487");
    await deployment.callsReleased();
    assert.deepEqual([alice.liveCalls(), carol.liveCalls()], [[], []]);
  });

  it("the callee declines while ringing: its refusal's status reaches the caller", async () => {
    const call = await dial(alice, carol);
    await carol.command(`terminate ${call.calleeId}`);
    await bothReleased(call);
    const [refusal] = inviteFinalStatuses(carol.logSince(call.calleeLogOffset));
    assert.ok(refusal === 486 || refusal === 603, `the callee refused with 486 or 603, not ${refusal}`);
    assert.deepEqual(inviteFinalStatuses(alice.logSince(call.callerLogOffset)), [refusal]);
    await deployment.callsReleased();
    assert.deepEqual([alice.liveCalls(), carol.liveCalls()], [[], []]);
  });

  it("a registered callee whose client is gone: the proxy's timeout reaches the caller as a failure", async () => {
    const dave = await deployment.agent({ user: 'dave', encryption: 'srtp' });
    await dave.kill(); // SIGKILL: no un-REGISTER, its contact stays and points at a closed port
    const mark = alice.mark();
    const offset = alice.logOffset();
    const id = await alice.call(dave.uri);
    // Bounded by Kamailio's no-response timeout (fr_timer), well before the B2BUA's own Timer B (32 s).
    await alice.waitForCallState('Released', { id, after: mark, timeoutMs: PROXY_NO_RESPONSE_TIMEOUT_MS + 8000 });
    const [status] = inviteFinalStatuses(alice.logSince(offset));
    assert.ok(status === 408 || status === 480 || status === 503, `the caller got 408, 480 or 503, not ${status}`);
    await deployment.callsReleased();
    assert.deepEqual(alice.liveCalls(), []);
  });

  it(`the callee's media stops: after no-rtp-timeout (${NO_RTP_TIMEOUT_S} s) the B2BUA ends both legs and the caller gets a BYE`, async () => {
    const erin = await deployment.agent({ user: 'erin', encryption: 'srtp', autoAnswer: true });
    const call = await placeCall(alice, erin);
    await audioFlowsBothWays(deployment, call);
    await erin.kill(); // its RTP stops with it; no BYE either
    await alice.waitForCallState('Released', { id: call.callerId, after: call.callerMark, timeoutMs: NO_RTP_TIMEOUT_S * 1000 + 8000 });
    const callerLog = alice.logSince(call.callerLogOffset);
    const bye = /^BYE sip:[^\n]*\n(?:[^\r\n]+\r?\n)*?Reason: SIP;cause=408;text="No RTP received"/m;
    assert.ok(bye.test(callerLog), `the caller received a BYE giving the reason`);
    await deployment.callsReleased();
    assert.deepEqual(alice.liveCalls(), []);
  });
});
