// Dialog rules (RFC 3261 §12, §9, §17.2.3) between our UserAgent and a scripted peer on a real UDP
// socket: CSeq ordering, 481, route sets both ways, target refresh, forking, CANCEL matching and
// RFC 2543 transaction matching.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { parseMessage } from '../../../src/sip/parser.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message.js';
import { TransportLayer } from '../../../src/sip/transport/transport-layer.js';
import { UserAgent } from '../../../src/sip/ua/user-agent.js';
import type { ServerInviteSession } from '../../../src/sip/ua/server-invite-session.js';
import type { Dialog, DialogEnd } from '../../../src/sip/dialog/dialog.js';
import { AckTimeoutError } from '../../../src/sip/dialog/errors.js';
import { formatUri } from '../../../src/sip/uri.js';
import { serverKey, matchesLegacyToTag } from '../../../src/sip/transaction/keys.js';

/** A scripted SIP peer: a bound UDP socket, a queue of parsed messages, and raw sends. */
class RawPeer {
  private queue: SipMessage[] = [];
  private waiting: ((message: SipMessage) => void)[] = [];
  private constructor(readonly socket: Socket, readonly port: number) {
    socket.on('message', (data) => {
      const message = parseMessage(data, { datagram: true });
      const waiter = this.waiting.shift();
      if (waiter) waiter(message);
      else this.queue.push(message);
    });
  }

  static async open(): Promise<RawPeer> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new RawPeer(socket, socket.address().port);
  }

  next(): Promise<SipMessage> {
    const queued = this.queue.shift();
    return queued ? Promise.resolve(queued) : new Promise((resolve) => this.waiting.push(resolve));
  }

  async nextRequest(method: string): Promise<SipRequest> {
    const message = await this.next();
    assert.equal(message.kind, 'request');
    assert.equal((message as SipRequest).method, method);
    return message as SipRequest;
  }

  async nextResponse(status?: number): Promise<SipResponse> {
    const message = await this.next();
    assert.equal(message.kind, 'response', `expected a response, got ${(message as SipRequest).method}`);
    if (status !== undefined) assert.equal((message as SipResponse).status, status);
    return message as SipResponse;
  }

  send(port: number, lines: string[], body = ''): void {
    const text = `${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    this.socket.send(text, port, '127.0.0.1');
  }

  /** Answers a request of ours, copying Via/From/To/Call-ID/CSeq. */
  reply(port: number, request: SipRequest, status: number, extra: string[] = [], toTag?: string): void {
    const to = request.headers.get('To') ?? '';
    this.send(port, [
      `SIP/2.0 ${status} Whatever`,
      ...request.headers.getLines('Via').map((v) => `Via: ${v}`),
      `From: ${request.headers.get('From')}`,
      `To: ${toTag && !request.to.params.has('tag') ? `${to};tag=${toTag}` : to}`,
      `Call-ID: ${request.callId}`,
      `CSeq: ${request.headers.get('CSeq')}`,
      ...extra,
    ]);
  }

  close(): void {
    this.socket.close();
  }
}

interface CallIds {
  callId: string;
  fromTag: string;
  branch: string;
}

/** Request lines from the peer to the UA: the caller side of a dialog the peer drives by hand. */
function peerRequest(peer: RawPeer, method: string, ids: CallIds, cseq: number, extra: string[] = [], toTag?: string): string[] {
  return [
    `${method} sip:ua@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=${ids.branch}`,
    'Max-Forwards: 70',
    `From: <sip:peer@127.0.0.1>;tag=${ids.fromTag}`,
    `To: <sip:ua@127.0.0.1>${toTag ? `;tag=${toTag}` : ''}`,
    `Call-ID: ${ids.callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:peer@127.0.0.1:${peer.port}>`,
    ...extra,
  ];
}

let counter = 0;
function ids(branch = `z9hG4bK-t${++counter}`): CallIds {
  return { callId: `call-${counter}-${Date.now()}`, fromTag: `ft${counter}`, branch };
}

describe('dialogs against a scripted peer', () => {
  let transports: TransportLayer;
  let ua: UserAgent;
  let port: number;
  let peer: RawPeer;
  const invites: ServerInviteSession[] = [];

  beforeEach(async () => {
    transports = new TransportLayer();
    port = (await transports.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 })).port;
    // A long T1 keeps Timer G quiet: responses arrive only when a request asked for them.
    ua = new UserAgent({ transports, contactUser: 'ua', timers: { t1: 4000, t2: 8000 } });
    invites.length = 0;
    ua.on('invite', (session) => invites.push(session));
    peer = await RawPeer.open();
  });
  afterEach(async () => {
    peer.close();
    await ua.close();
    await transports.close();
  });

  /** The peer calls the UA, the UA answers 200, the peer ACKs: returns the UA's dialog. */
  async function establish(call: CallIds, extra: string[] = []): Promise<{ dialog: Dialog; toTag: string }> {
    const invited = new Promise<ServerInviteSession>((resolve) => ua.once('invite', resolve));
    peer.send(port, peerRequest(peer, 'INVITE', call, 1, extra));
    const session = await invited;
    const accepted = session.accept({ body: 'v=0\r\n' });
    const ok = await peer.nextResponse(200);
    const toTag = ok.to.params.get('tag') ?? '';
    peer.send(port, peerRequest(peer, 'ACK', { ...call, branch: `${call.branch}-ack` }, 1, [], toTag));
    return { dialog: await accepted, toTag };
  }

  it('answers 481 to a request that matches no dialog', async () => {
    peer.send(port, peerRequest(peer, 'BYE', ids(), 2, [], 'nosuchtag'));
    await peer.nextResponse(481);
  });

  it('accepts increasing CSeqs and answers 500 to a lower one (§12.2.2)', async () => {
    const call = ids();
    const { dialog, toTag } = await establish(call);
    dialog.on('request', (request) => request.respond(200));
    peer.send(port, peerRequest(peer, 'INFO', { ...call, branch: `${call.branch}-i5` }, 5, [], toTag));
    await peer.nextResponse(200);
    assert.equal(dialog.remoteSeq, 5);
    peer.send(port, peerRequest(peer, 'INFO', { ...call, branch: `${call.branch}-i3` }, 3, [], toTag));
    await peer.nextResponse(500);
    assert.equal(dialog.remoteSeq, 5);
  });

  it('keeps the Record-Route order as UAS and routes its BYE through it (§12.1.1, §12.2.1.1)', async () => {
    const call = ids();
    const { dialog } = await establish(call, [
      `Record-Route: <sip:127.0.0.1:${peer.port};lr>`,
      'Record-Route: <sip:10.0.0.2;lr>',
    ]);
    assert.deepEqual(dialog.routeSet.map((r) => formatUri(r.uri)), [`sip:127.0.0.1:${peer.port};lr`, 'sip:10.0.0.2;lr']);
    assert.equal(dialog.remoteSeq, 1);
    void dialog.bye();
    const bye = await peer.nextRequest('BYE');
    assert.deepEqual(bye.headers.getLines('Route'), [`<sip:127.0.0.1:${peer.port};lr>`, '<sip:10.0.0.2;lr>']);
    assert.equal(formatUri(bye.uri), `sip:peer@127.0.0.1:${peer.port}`);
    assert.equal(bye.to.params.get('tag'), call.fromTag);
    assert.equal(dialog.state, 'terminated');
  });

  it('refreshes the remote target from a re-INVITE and an UPDATE (target refresh)', async () => {
    const call = ids();
    const { dialog, toTag } = await establish(call);
    dialog.on('request', (request) => request.respond(200));
    peer.send(port, peerRequest(peer, 'UPDATE', { ...call, branch: `${call.branch}-u` }, 2, [], toTag).map((line) =>
      line.startsWith('Contact:') ? `Contact: <sip:moved@127.0.0.1:${peer.port}>` : line,
    ));
    const ok = await peer.nextResponse(200);
    assert.ok(ok.contacts[0], 'a 2xx to a target refresh carries our Contact');
    assert.equal(dialog.remoteTarget.user, 'moved');
    peer.send(port, peerRequest(peer, 'INVITE', { ...call, branch: `${call.branch}-r` }, 3, [], toTag).map((line) =>
      line.startsWith('Contact:') ? `Contact: <sip:again@127.0.0.1:${peer.port}>` : line,
    ));
    await peer.nextResponse(200);
    assert.equal(dialog.remoteTarget.user, 'again');
    peer.send(port, peerRequest(peer, 'ACK', { ...call, branch: `${call.branch}-ra` }, 3, [], toTag));
    await once(dialog, 'ack');
    void dialog.request('INFO');
    const info = await peer.nextRequest('INFO');
    assert.equal(info.uri.user, 'again');
    assert.equal(info.cseq.seq, 1, 'the UAS starts its own CSeq space');
  });

  it('as UAC reverses Record-Route, takes the 2xx Contact and builds the ACK (§12.1.2, §13.2.2.4)', async () => {
    const call = ua.invite(`sip:peer@127.0.0.1:${peer.port}`, { from: '<sip:ua@127.0.0.1>' });
    const invite = await peer.nextRequest('INVITE');
    peer.reply(port, invite, 200, [
      'Record-Route: <sip:10.0.0.9;lr>',
      `Record-Route: <sip:127.0.0.1:${peer.port};lr>`,
      `Contact: <sip:callee@127.0.0.1:${peer.port};x=1>`,
    ], 'callee-tag');
    const [, dialog] = (await once(call, 'accepted')) as [SipResponse, Dialog];
    assert.deepEqual(dialog.routeSet.map((r) => formatUri(r.uri)), [`sip:127.0.0.1:${peer.port};lr`, 'sip:10.0.0.9;lr']);
    assert.equal(dialog.remoteTarget.user, 'callee');
    const ack = await peer.nextRequest('ACK');
    assert.equal(ack.cseq.seq, invite.cseq.seq);
    assert.equal(ack.to.params.get('tag'), 'callee-tag');
    assert.equal(formatUri(ack.uri), `sip:callee@127.0.0.1:${peer.port};x=1`);
    assert.deepEqual(ack.headers.getLines('Route'), [`<sip:127.0.0.1:${peer.port};lr>`, '<sip:10.0.0.9;lr>']);
    assert.notEqual(ack.topVia.params.get('branch'), invite.topVia.params.get('branch'));
    // A retransmitted 2xx is answered with the same ACK.
    peer.reply(port, invite, 200, [`Contact: <sip:callee@127.0.0.1:${peer.port};x=1>`], 'callee-tag');
    const again = await peer.nextRequest('ACK');
    assert.equal(again.topVia.params.get('branch'), ack.topVia.params.get('branch'));
    void dialog.request('INFO');
    const info = await peer.nextRequest('INFO');
    assert.equal(info.cseq.seq, invite.cseq.seq + 1, 'local CSeq increments');
  });

  it('keeps one early dialog per To tag and BYEs a second 2xx from another branch (forking)', async () => {
    const call = ua.invite(`sip:peer@127.0.0.1:${peer.port}`, { from: '<sip:ua@127.0.0.1>' });
    const early: (Dialog | undefined)[] = [];
    call.on('provisional', (_response, dialog) => early.push(dialog));
    const invite = await peer.nextRequest('INVITE');
    const contact = `Contact: <sip:callee@127.0.0.1:${peer.port}>`;
    peer.reply(port, invite, 180, [contact], 'branch-a');
    peer.reply(port, invite, 180, [contact], 'branch-b');
    peer.reply(port, invite, 180, [contact], 'branch-a');
    peer.reply(port, invite, 200, [contact], 'branch-a');
    const [, dialog] = (await once(call, 'accepted')) as [SipResponse, Dialog];
    assert.equal(early.length, 3);
    assert.notEqual(early[0], early[1]);
    assert.equal(early[0], early[2]);
    assert.equal(early[0], dialog, 'the early dialog of branch A became the confirmed dialog');
    assert.equal(early[1]?.state, 'terminated', 'branch B ended when A answered');
    assert.equal((await peer.nextRequest('ACK')).to.params.get('tag'), 'branch-a');
    peer.reply(port, invite, 200, [contact], 'branch-b');
    const ackB = await peer.nextRequest('ACK');
    assert.equal(ackB.to.params.get('tag'), 'branch-b');
    const byeB = await peer.nextRequest('BYE');
    assert.equal(byeB.to.params.get('tag'), 'branch-b');
    assert.equal(dialog.state, 'confirmed', 'the first answer is kept');
  });

  it('matches a CANCEL to its INVITE (200 + 487) and answers 481 to one matching nothing (§9.2)', async () => {
    const call = ids();
    const invited = new Promise<ServerInviteSession>((resolve) => ua.once('invite', resolve));
    peer.send(port, peerRequest(peer, 'INVITE', call, 1));
    const session = await invited;
    session.progress(180);
    await peer.nextResponse(180);
    peer.send(port, peerRequest(peer, 'CANCEL', { ...call, branch: 'z9hG4bK-other' }, 1));
    await peer.nextResponse(481);
    const cancelled = once(session, 'cancel');
    peer.send(port, peerRequest(peer, 'CANCEL', call, 1));
    const ok = await peer.nextResponse(200);
    assert.equal(ok.cseq.method, 'CANCEL');
    const terminated = await peer.nextResponse(487);
    assert.equal(terminated.cseq.method, 'INVITE');
    await cancelled;
    assert.equal(session.state, 'cancelled');
    assert.equal(ua.dialogCount, 0);
  });

  it('matches RFC 2543 requests without the magic cookie (§17.2.3)', async () => {
    const call = ids('old-style-branch');
    const invited = new Promise<ServerInviteSession>((resolve) => ua.once('invite', resolve));
    peer.send(port, peerRequest(peer, 'INVITE', call, 1));
    const session = await invited;
    session.reject(486);
    const busy = await peer.nextResponse(486);
    // A retransmitted INVITE is absorbed and answered with the same final response.
    peer.send(port, peerRequest(peer, 'INVITE', call, 1));
    await peer.nextResponse(486);
    assert.equal(invites.length, 1);
    // An ACK with the wrong To tag does not match: the transaction still answers retransmissions.
    peer.send(port, peerRequest(peer, 'ACK', call, 1, [], 'wrong-tag'));
    peer.send(port, peerRequest(peer, 'INVITE', call, 1));
    await peer.nextResponse(486);
    // The ACK with the 486's To tag confirms it: the next retransmission is absorbed in silence,
    // so the answer to the following OPTIONS is the next thing the peer receives.
    peer.send(port, peerRequest(peer, 'ACK', call, 1, [], busy.to.params.get('tag') ?? ''));
    peer.send(port, peerRequest(peer, 'INVITE', call, 1));
    peer.send(port, peerRequest(peer, 'OPTIONS', { ...call, branch: 'z9hG4bK-probe' }, 2));
    const next = await peer.nextResponse(200);
    assert.equal(next.cseq.method, 'OPTIONS');
  });

  it('retransmits a 2xx until the ACK and gives up with BYE after 64*T1 (§13.3.1.4)', async () => {
    await ua.close();
    ua = new UserAgent({ transports, contactUser: 'ua', timers: { t1: 5, t2: 20 } });
    const call = ids();
    const invited = new Promise<ServerInviteSession>((resolve) => ua.once('invite', resolve));
    peer.send(port, peerRequest(peer, 'INVITE', call, 1));
    const session = await invited;
    const accepted = session.accept({ body: 'v=0\r\n' });
    const ended = once(session.dialog!, 'terminated');
    await assert.rejects(accepted, AckTimeoutError);
    const [end] = (await ended) as [DialogEnd];
    assert.equal(end.reason, 'ack-timeout');
    let oks = 0;
    for (;;) {
      const message = await peer.next();
      if (message.kind === 'response') {
        assert.equal(message.status, 200);
        oks++;
        continue;
      }
      assert.equal((message as SipRequest).method, 'BYE');
      break;
    }
    // 64*T1 = 320 ms with intervals 5, 10, 20, 20...: the first 2xx plus many copies.
    assert.ok(oks > 3, `${oks} copies of the 2xx`);
    assert.ok(ua.stats.okRetransmissions >= oks - 1);
  });

  it('keys RFC 2543 ACKs and CANCELs onto their INVITE', () => {
    const call = ids('no-cookie');
    const text = (lines: string[]) => parseMessage(Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`)) as SipRequest;
    const invite = text(peerRequest(peer, 'INVITE', call, 1));
    const ack = text(peerRequest(peer, 'ACK', call, 1, [], 'ours'));
    const cancel = text(peerRequest(peer, 'CANCEL', call, 1));
    assert.equal(serverKey(ack), serverKey(invite));
    assert.equal(serverKey(cancel, 'INVITE'), serverKey(invite));
    assert.notEqual(serverKey(cancel), serverKey(invite));
    const tx = { method: 'INVITE', toTag: null, responseToTag: 'ours' };
    assert.ok(matchesLegacyToTag(tx, ack));
    assert.ok(matchesLegacyToTag(tx, invite));
    assert.ok(!matchesLegacyToTag({ ...tx, responseToTag: 'theirs' }, ack));
  });
});
