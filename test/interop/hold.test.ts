// Hold and resume from either side (reference §3.7) between Linphone clients through Kamailio and
// the B2BUA, with a different encryption on each leg: `call-pause` makes the pauser Paused and the
// other client PausedByRemote (the B2BUA re-INVITEs it with sendonly); `call-resume` brings both back
// to StreamsRunning and audio crosses the engine both ways again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Linphone, LinphoneEncryption } from '../helpers/linphone.js';
import { audioFlowsBothWays, engineStats, hangUp, placeCall, type PlacedCall } from './calls.js';
import { CALLEE_POLICY, Deployment, type LegBMode } from './deployment.js';

describe('Linphone hold and resume through Kamailio and the B2BUA', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await Deployment.start();
  });
  after(() => deployment.stop());

  /**
   * The audio direction of the last INVITE `agent` received after `offset` (a re-INVITE from the
   * B2BUA): its SDP runs from the request line to the next timestamped log line.
   */
  function lastOfferedDirection(agent: Linphone, offset: number): string | undefined {
    const invites = agent.logSince(offset).split(/^(?=INVITE sip:)/m).slice(1);
    const last = invites.at(-1)?.split(/\n\d{4}-\d\d-\d\d /)[0];
    if (last === undefined) return undefined;
    return /^a=(sendonly|recvonly|inactive|sendrecv)\r?$/m.exec(last)?.[1] ?? 'sendrecv';
  }

  async function holdAndResume(call: PlacedCall, pauserSide: 'caller' | 'callee'): Promise<void> {
    const [pauser, pauserId, pausee, pauseeId] =
      pauserSide === 'caller' ? [call.caller, call.callerId, call.callee, call.calleeId] : [call.callee, call.calleeId, call.caller, call.callerId];
    await audioFlowsBothWays(deployment, call);

    let [pauserMark, pauseeMark, pauseeOffset] = [pauser.mark(), pausee.mark(), pausee.logOffset()];
    await pauser.command(`call-pause ${pauserId}`);
    await Promise.all([
      pauser.waitForCallState('Paused', { id: pauserId, after: pauserMark }),
      pausee.waitForCallState('PausedByRemote', { id: pauseeId, after: pauseeMark }),
    ]);
    assert.equal(lastOfferedDirection(pausee, pauseeOffset), 'sendonly', 'the B2BUA holds the other client with sendonly');

    [pauserMark, pauseeMark, pauseeOffset] = [pauser.mark(), pausee.mark(), pausee.logOffset()];
    await pauser.command(`call-resume ${pauserId}`);
    await Promise.all([
      pauser.waitForCallState('StreamsRunning', { id: pauserId, after: pauserMark }),
      pausee.waitForCallState('StreamsRunning', { id: pauseeId, after: pauseeMark }),
    ]);
    assert.equal(lastOfferedDirection(pausee, pauseeOffset), 'sendrecv', 'the B2BUA resumes the other client with sendrecv');
    await audioFlowsBothWays(deployment, call, await engineStats(deployment, call));

    await hangUp(call, pauserSide === 'caller' ? 'callee' : 'caller');
    await deployment.callsReleased();
    assert.deepEqual([call.caller.liveCalls(), call.callee.liveCalls()], [[], []]);
  }

  // Each side holds once with neither leg on DTLS-SRTP, once with DTLS-SRTP on the leg the B2BUA re-INVITEs.
  const cases: { pauser: 'caller' | 'callee'; legA: LinphoneEncryption; legB: LegBMode }[] = [
    { pauser: 'caller', legA: 'srtp', legB: 'zrtp' },
    { pauser: 'callee', legA: 'zrtp', legB: 'sdes' },
    { pauser: 'caller', legA: 'none', legB: 'dtls-srtp' },
    { pauser: 'callee', legA: 'dtls', legB: 'none' },
  ];
  cases.forEach(({ pauser, legA, legB }, i) => {
    it(`the ${pauser} holds then resumes (leg A ${legA}, leg B ${legB})`, async () => {
      const [caller, callee] = await Promise.all([
        deployment.agent({ user: `alice${i}`, encryption: legA }),
        deployment.agent({ user: `bob${i}-${legB}`, encryption: CALLEE_POLICY[legB], autoAnswer: true }),
      ]);
      await holdAndResume(await placeCall(caller, callee), pauser);
    });
  });
});
