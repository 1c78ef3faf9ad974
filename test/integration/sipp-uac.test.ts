// Our UAC against sipp as the callee: calls over UDP and TCP (INVITE, 180, 200, ACK, BYE), with
// deterministic message loss, and a CANCEL of a call that only rings.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TransportLayer } from '../../src/sip/transport/transport-layer.js';
import { UserAgent } from '../../src/sip/ua/user-agent.js';
import type { SipResponse } from '../../src/sip/message.js';
import type { Dialog } from '../../src/sip/dialog/dialog.js';
import type { ClientInviteSession } from '../../src/sip/ua/client-invite-session.js';
import { freePort } from '../helpers/ports.js';
import { killAllPeers } from '../helpers/processes.js';
import { startSipp } from '../helpers/sipp.js';
import { dropFirstCopies, startLossyUdpRelay } from '../helpers/lossy-udp-relay.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n';
const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/sipp/${name}`, import.meta.url));

/** Resolves with the first of the session's outcome events. */
function outcome(call: ClientInviteSession): Promise<
  { kind: 'accepted'; response: SipResponse; dialog: Dialog } | { kind: 'rejected'; response: SipResponse } | { kind: 'failed'; error: Error }
> {
  return new Promise((resolve) => {
    call.once('accepted', (response, dialog) => resolve({ kind: 'accepted', response, dialog }));
    call.once('rejected', (response) => resolve({ kind: 'rejected', response }));
    call.once('failed', (error) => resolve({ kind: 'failed', error }));
  });
}

describe('our UAC → sipp uas', () => {
  let transports: TransportLayer;
  let ua: UserAgent;
  beforeEach(async () => {
    transports = new TransportLayer();
    const port = await freePort();
    await transports.listen({ protocol: 'udp', address: '127.0.0.1', port });
    await transports.listen({ protocol: 'tcp', address: '127.0.0.1', port });
    ua = new UserAgent({ transports, contactUser: 'uac', userAgentHeader: 'b2bua-test' });
  });
  afterEach(async () => {
    await ua.close();
    await transports.close();
  });
  after(killAllPeers);

  /** One call: INVITE with SDP, accepted, then BYE; resolves with the BYE's final status. */
  async function call(target: string): Promise<number> {
    const session = ua.invite(target, { from: '<sip:alice@127.0.0.1>', body: SDP });
    const result = await outcome(session);
    assert.equal(result.kind, 'accepted', result.kind === 'failed' ? String(result.error) : `${result.kind} ${result.response.status}`);
    if (result.kind !== 'accepted') return 0;
    assert.equal(result.dialog.state, 'confirmed');
    const bye = await result.dialog.bye();
    assert.equal(result.dialog.state, 'terminated');
    return bye.status;
  }

  for (const transport of ['udp', 'tcp'] as const) {
    it(`places calls over ${transport.toUpperCase()}`, async () => {
      const calls = 5;
      const sipp = await startSipp({ scenario: 'uas', transport, calls });
      await sipp.listening();
      const suffix = transport === 'tcp' ? ';transport=tcp' : '';
      const byes = await Promise.all(Array.from({ length: calls }, () => call(`sip:service@127.0.0.1:${sipp.port}${suffix}`)));
      assert.deepEqual(byes, Array.from({ length: calls }, () => 200));
      const result = await sipp.result;
      assert.equal(result.exitCode, 0, result.output + result.errors);
      assert.equal(result.successful, calls);
      assert.equal(ua.dialogCount, 0);
    });
  }

  it('recovers every call from lost INVITEs and 200s through retransmissions (UDP)', async () => {
    // A relay drops the first copy of each INVITE and of each 200. In-dialog requests go straight
    // to sipp's Contact, but sipp answers through the relay: so every call needs our Timer A
    // (INVITE) and Timer E (BYE, whose 200 was lost) retransmissions, and sipp's 200 retransmission.
    await ua.close();
    ua = new UserAgent({ transports, contactUser: 'uac', timers: { t1: 100, t2: 4000 } });
    const calls = 10;
    const sipp = await startSipp({ scenario: 'uas', calls });
    await sipp.listening();
    const relay = await startLossyUdpRelay(sipp.port, dropFirstCopies(/^INVITE |^SIP\/2\.0 200 /));
    try {
      const byes = await Promise.all(Array.from({ length: calls }, () => call(`sip:service@127.0.0.1:${relay.port}`)));
      assert.deepEqual(byes, Array.from({ length: calls }, () => 200));
      const result = await sipp.result;
      assert.equal(result.exitCode, 0, result.output + result.errors);
      assert.equal(result.successful, calls);
      // Per call: the INVITE, its 200 and the BYE's 200 were each dropped once.
      assert.deepEqual(relay.dropped, { 'to-server': calls, 'to-client': 2 * calls });
      assert.ok(ua.transactions.stats.retransmissionsSent >= 2 * calls, JSON.stringify(ua.transactions.stats));
    } finally {
      await relay.close();
    }
  });

  it('cancels a ringing call: CANCEL, then 487 to the INVITE', async () => {
    const sipp = await startSipp({ scenario: fixture('uas-ring-only.xml'), calls: 1 });
    await sipp.listening();
    const session = ua.invite(`sip:service@127.0.0.1:${sipp.port}`, { from: '<sip:alice@127.0.0.1>', body: SDP });
    const [ringing] = (await once(session, 'provisional')) as [SipResponse];
    assert.equal(ringing.status, 180);
    const ended = outcome(session);
    session.cancel();
    const result = await ended;
    assert.equal(result.kind, 'rejected');
    if (result.kind === 'rejected') assert.equal(result.response.status, 487);
    const run = await sipp.result;
    assert.equal(run.exitCode, 0, run.output + run.errors);
    assert.equal(ua.dialogCount, 0, 'the early dialog ended with the 487');
  });
});
