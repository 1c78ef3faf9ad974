// Linphone to Linphone through Kamailio and the B2BUA, in all 16 pairs of leg A mode (the caller's
// media_encryption) × leg B mode (outgoing-enc-regex on the callee's URI): each call is set up, each
// client negotiates its own leg's mode, audio crosses the engine both ways and the call is released
// from either side. Then SDES suites chosen by outgoing-srtp-regex.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Linphone, LinphoneEncryption } from '../helpers/linphone.js';
import { CALLEE_POLICY, Deployment, LEG_B_MODES, type LegBMode } from './deployment.js';
import { audioFlowsBothWays, hangUp, placeCall, settleAll, type PlacedCall } from './calls.js';

const LEG_A_MODES: readonly LinphoneEncryption[] = ['none', 'srtp', 'dtls', 'zrtp'];

/** What each client logs as its call's negotiated encryption, and the proof that its keys were set. */
const EVIDENCE: Record<LinphoneEncryption, { negotiated: string; keyed?: RegExp }> = {
  none: { negotiated: 'None' },
  srtp: { negotiated: 'SRTP', keyed: /media_stream_set_srtp_recv_key\(\)/ },
  dtls: { negotiated: 'DTLS', keyed: /DTLS Handshake on RTP channel successful/ },
  zrtp: { negotiated: 'ZRTP', keyed: /Authentication token is \w+/ },
};

const SUITE_CALLEE = 'carol-sdes';
const CHOSEN_SUITE = 'AES_256_CM_HMAC_SHA1_80';

describe('Linphone pairs through Kamailio and the B2BUA', () => {
  let deployment: Deployment;
  const callers = new Map<LinphoneEncryption, Linphone>();
  const callees = new Map<LegBMode, Linphone>();

  before(async () => {
    deployment = await Deployment.start({ srtpRules: `${CHOSEN_SUITE} sip:${SUITE_CALLEE}@.*` });
    const agents = await Promise.all([
      ...LEG_A_MODES.map((mode) => deployment.agent({ user: `alice-${mode}`, encryption: mode })),
      ...LEG_B_MODES.map((mode) => deployment.agent({ user: `bob-${mode}`, encryption: CALLEE_POLICY[mode], autoAnswer: true })),
    ]);
    LEG_A_MODES.forEach((mode, i) => callers.set(mode, agents[i]!));
    LEG_B_MODES.forEach((mode, i) => callees.set(mode, agents[LEG_A_MODES.length + i]!));
  });
  after(() => deployment.stop());

  /** Not assert.match: a failure would print the whole log. */
  function assertLeg(agent: Linphone, log: string, mode: LinphoneEncryption, who: string): void {
    const { negotiated, keyed } = EVIDENCE[mode];
    const found = /Negotiated media encryption is LinphoneMediaEncryption(\w+)/.exec(log)?.[1];
    assert.equal(found, negotiated, `${who} ${agent.options.user}'s negotiated encryption`);
    if (keyed) assert.ok(keyed.test(log), `${who} ${agent.options.user} has its ${mode} keys: ${keyed}`);
  }

  // Four rounds of four concurrent calls: each caller and each callee is in one call per round, so
  // each client's log from the call's start is that call's alone.
  for (let round = 0; round < LEG_B_MODES.length; round++) {
    const pairs = LEG_A_MODES.map((legA, i) => ({ legA, legB: LEG_B_MODES[(i + round) % LEG_B_MODES.length]!, byeFromCaller: (i + round) % 2 === 0 }));
    const title = pairs.map(({ legA, legB, byeFromCaller }) => `${legA}→${legB} (BYE from ${byeFromCaller ? 'caller' : 'callee'})`).join(', ');
    it(`round ${round + 1}: ${title}`, async () => {
      const calls = await settleAll(
        pairs.map(async ({ legA, legB, byeFromCaller }) => {
          const call = await placeCall(callers.get(legA)!, callees.get(legB)!);
          await audioFlowsBothWays(deployment, call);
          await hangUp(call, byeFromCaller ? 'caller' : 'callee');
          return { legA, legB, call };
        }),
        () => Promise.all([...callers.values(), ...callees.values()].map((agent) => agent.hangUpAll())),
      );
      await deployment.callsReleased();
      for (const { legA, legB, call } of calls) checkCall(call, legA, CALLEE_POLICY[legB]);
    });
  }

  function checkCall(call: PlacedCall, legA: LinphoneEncryption, legB: LinphoneEncryption): void {
    const callerLog = call.caller.logSince(call.callerLogOffset);
    const calleeLog = call.callee.logSince(call.calleeLogOffset);
    assertLeg(call.caller, callerLog, legA, 'caller');
    assertLeg(call.callee, calleeLog, legB, 'callee');
    // In-dialog requests to the callee (the B2BUA's BYEs) target its GRUU, which Kamailio resolves.
    assert.ok(/^Contact: <sip:[^>]*;gr=urn:uuid:/m.test(calleeLog), `${call.callee.options.user} answers with its GRUU as Contact`);
    for (const [agent, stats] of [[call.caller, call.callerRtp()], [call.callee, call.calleeRtp()]] as const) {
      assert.ok(stats, `${agent.options.user} logged its RTP statistics`);
      assert.ok(stats.sent > 0 && stats.received > 0, `${agent.options.user} sent and received audio: ${JSON.stringify(stats)}`);
    }
    assert.deepEqual(call.caller.liveCalls(), []);
    assert.deepEqual(call.callee.liveCalls(), []);
  }

  it(`outgoing-srtp-regex gives leg B only ${CHOSEN_SUITE}; the callee uses it`, async () => {
    const callee = await deployment.agent({ user: SUITE_CALLEE, encryption: 'srtp', autoAnswer: true });
    const call = await placeCall(callers.get('zrtp')!, callee);
    await audioFlowsBothWays(deployment, call);
    await hangUp(call, 'caller');
    await deployment.callsReleased();
    const calleeLog = callee.logSince(call.calleeLogOffset);
    // Its log holds leg B's offer (received) and its answer (sent): one suite in both.
    const suites = [...calleeLog.matchAll(/^a=crypto:\d+ (\S+) /gm)].map((match) => match[1]);
    assert.deepEqual(new Set(suites), new Set([CHOSEN_SUITE]), `crypto lines in the callee's log: ${suites.join(', ')}`);
    assert.ok(suites.length >= 2, 'offer and answer logged');
    assertLeg(callee, calleeLog, 'srtp', 'callee');
    assertLeg(call.caller, call.caller.logSince(call.callerLogOffset), 'zrtp', 'caller');
  });
});
