// sipp as the caller against a small UAS built on our stack (200 + SDP, then ACK and BYE), over
// UDP and TCP, with message loss, and a caller that CANCELs while ringing.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TransportLayer } from '../../src/sip/transport/transport-layer.js';
import { UserAgent } from '../../src/sip/ua/user-agent.js';
import type { ServerInviteSession } from '../../src/sip/ua/server-invite-session.js';
import type { DialogEnd } from '../../src/sip/dialog/dialog.js';
import { freePort } from '../helpers/ports.js';
import { killAllPeers } from '../helpers/processes.js';
import { startSipp } from '../helpers/sipp.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n';
const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/sipp/${name}`, import.meta.url));

interface Uas {
  transports: TransportLayer;
  ua: UserAgent;
  port: number;
  ended: DialogEnd[];
  cancelled: number;
  /** State of every session once its accept() settled. */
  states: string[];
}

/** Answers every INVITE with 200 + SDP (or only rings with `ringOnly`), records how dialogs end. */
async function startUas(ringOnly = false): Promise<Uas> {
  const transports = new TransportLayer();
  const port = await freePort();
  await transports.listen({ protocol: 'udp', address: '127.0.0.1', port });
  await transports.listen({ protocol: 'tcp', address: '127.0.0.1', port });
  const ua = new UserAgent({ transports, contactUser: 'uas', userAgentHeader: 'b2bua-test' });
  const uas: Uas = { transports, ua, port, ended: [], cancelled: 0, states: [] };
  ua.on('invite', (session: ServerInviteSession) => {
    session.on('cancel', () => uas.cancelled++);
    if (ringOnly) {
      session.progress(180);
      return;
    }
    const record = (): void => {
      uas.states.push(session.state);
    };
    session.accept({ body: SDP }).then(record, record);
    session.dialog?.on('terminated', (end) => uas.ended.push(end));
  });
  return uas;
}

describe('sipp uac → our UAS', () => {
  let uas: Uas;
  beforeEach(async () => {
    uas = await startUas();
  });
  afterEach(async () => {
    await uas.ua.close();
    await uas.transports.close();
  });
  after(killAllPeers);

  for (const transport of ['udp', 'tcp'] as const) {
    it(`completes every call over ${transport.toUpperCase()}`, async () => {
      const calls = 10;
      const sipp = await startSipp({ scenario: 'uac', transport, calls, rate: 50, remote: `127.0.0.1:${uas.port}` });
      const result = await sipp.result;
      assert.equal(result.exitCode, 0, result.output + result.errors);
      assert.equal(result.successful, calls);
      assert.equal(result.failed, 0);
      assert.equal(uas.ended.length, calls);
      assert.ok(uas.ended.every((end) => end.reason === 'bye-received'));
      assert.equal(uas.ua.dialogCount, 0);
    });
  }

  it('completes every call over UDP with 10 % message loss, through retransmissions', async () => {
    const calls = 40;
    const sipp = await startSipp({ scenario: 'uac', calls, rate: 40, lost: 10, remote: `127.0.0.1:${uas.port}`, timeoutSeconds: 60 });
    const result = await sipp.result;
    assert.equal(result.exitCode, 0, result.output + result.errors);
    assert.equal(result.successful, calls);
    // Lost messages were recovered by retransmissions on both sides.
    assert.ok(result.retransmissions > 0, 'sipp retransmitted');
    const ours = uas.ua.transactions.stats;
    assert.ok(ours.retransmissionsAbsorbed + ours.retransmissionsSent + uas.ua.stats.okRetransmissions > 0);
    // sipp's -lost sometimes drops its ACK and every copy of its BYE yet counts the call as done;
    // our dialog then still waits for the ACK (and would BYE after 64*T1): that is no failure.
    assert.equal(uas.ended.length + uas.ua.dialogCount, calls, `sessions: ${uas.states.join(',')}`);
    assert.ok(uas.ended.every((end) => end.reason === 'bye-received'));
  });

  it('answers 200 to the CANCEL and 487 to the INVITE of a ringing call', async () => {
    await uas.ua.close();
    await uas.transports.close();
    uas = await startUas(true);
    const calls = 5;
    const sipp = await startSipp({ scenario: fixture('uac-cancel.xml'), calls, rate: 20, remote: `127.0.0.1:${uas.port}` });
    const result = await sipp.result;
    assert.equal(result.exitCode, 0, result.output + result.errors);
    assert.equal(result.successful, calls);
    assert.equal(uas.cancelled, calls);
    assert.equal(uas.ua.dialogCount, 0, 'the early dialogs ended with the 487');
  });
});
