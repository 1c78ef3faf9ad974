// Parser/serializer throughput: ours beside the npm `sip` package (kirm) in the same run.
// Both sides parse the headers a proxy reads, including the URIs, so the work is comparable.
import { createRequire } from 'node:module';
import Benchmark from 'benchmark';
import type { SipMessage } from '../src/sip/message.js';
import { parseMessage } from '../src/sip/parser.js';
import { serializeMessage } from '../src/sip/serializer.js';

interface KirmAor {
  uri: string;
}
interface KirmMessage {
  /** Request-URI, left unparsed by `sip.parse`. */
  uri?: string;
  headers: {
    via: unknown[];
    from: KirmAor;
    to: KirmAor;
    'call-id': string;
    cseq: unknown;
    contact?: KirmAor[];
    route?: unknown[];
    'record-route'?: unknown[];
    'max-forwards'?: string;
    'content-length'?: number;
  };
}
interface KirmSip {
  parse(data: Buffer): KirmMessage | undefined;
  stringify(msg: KirmMessage): string;
  parseUri(uri: string): unknown;
}

const kirm = createRequire(import.meta.url)('sip') as KirmSip;

const SDP = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 198.51.100.10',
  's=-',
  'c=IN IP4 198.51.100.10',
  't=0 0',
  'm=audio 49170 RTP/SAVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR',
  'a=sendrecv',
  '',
].join('\r\n');

function message(lines: string[], body = ''): Buffer {
  const withLength = [...lines, `Content-Length: ${Buffer.byteLength(body)}`];
  return Buffer.from(withLength.join('\r\n') + '\r\n\r\n' + body);
}

const INVITE = message(
  [
    'INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0',
    'Via: SIP/2.0/TCP proxy.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.101',
    'Via: SIP/2.0/UDP 198.51.100.10:5060;rport=5060;branch=z9hG4bK74bf9;received=198.51.100.10',
    'Route: <sip:b2bua.example.com;lr;transport=tcp>',
    'Record-Route: <sip:proxy.atlanta.example.com;lr>',
    'Max-Forwards: 69',
    'From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    'To: "Bob" <sip:bob@biloxi.example.com>',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@198.51.100.10:5060;transport=udp>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, REFER, NOTIFY',
    'Supported: replaces, timer, 100rel',
    'User-Agent: Linphone/5.2.0 (belle-sip/5.2.0)',
    'Content-Type: application/sdp',
  ],
  SDP,
);

const OK = message(
  [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/TCP proxy.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.101',
    'Via: SIP/2.0/UDP 198.51.100.10:5060;rport=5060;branch=z9hG4bK74bf9;received=198.51.100.10',
    'Record-Route: <sip:proxy.atlanta.example.com;lr>',
    'From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    'To: "Bob" <sip:bob@biloxi.example.com>;tag=8321234356',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 1 INVITE',
    'Contact: <sip:bob@203.0.113.20:5060;transport=tcp>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE',
    'Content-Type: application/sdp',
  ],
  SDP.replace(/198\.51\.100\.10/g, '203.0.113.20'),
);

const REGISTER = message([
  'REGISTER sip:registrar.biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 203.0.113.20:5060;rport;branch=z9hG4bKnashds7',
  'Max-Forwards: 70',
  'From: "Bob" <sip:bob@biloxi.example.com>;tag=a73kszlfl',
  'To: "Bob" <sip:bob@biloxi.example.com>',
  'Call-ID: 1j9FpLxk3uxtm8tn@203.0.113.20',
  'CSeq: 1826 REGISTER',
  'Contact: <sip:bob@203.0.113.20:5060>;expires=3600;+sip.instance="<urn:uuid:a1b2c3d4-0000-1111-2222-333344445555>"',
  'Expires: 3600',
  'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
  'User-Agent: Linphone/5.2.0 (belle-sip/5.2.0)',
]);

/** Reads every header a proxy needs from our parse, so lazy views are really built. */
function parseOurs(data: Buffer): SipMessage {
  const msg = parseMessage(data, { datagram: true });
  void msg.vias, msg.from, msg.to, msg.callId, msg.cseq, msg.contacts, msg.routes, msg.recordRoutes;
  void msg.headers.get('Max-Forwards'), msg.headers.get('Content-Length');
  return msg;
}

/**
 * kirm's parse already splits Via, From, To, Contact, CSeq, Route, Record-Route (with their URIs);
 * the Request-URI and the From/To/Contact URIs stay strings, so parse those as ours does.
 */
function parseKirm(data: Buffer): KirmMessage {
  const msg = kirm.parse(data);
  if (!msg) throw new Error('sip.parse failed on a valid message');
  const h = msg.headers;
  void h.via, h['call-id'], h.cseq, h.route, h['record-route'], h['max-forwards'], h['content-length'];
  if (msg.uri !== undefined) kirm.parseUri(msg.uri);
  kirm.parseUri(h.from.uri);
  kirm.parseUri(h.to.uri);
  for (const contact of h.contact ?? []) kirm.parseUri(contact.uri);
  return msg;
}

interface Row {
  label: string;
  ours: number;
  theirs: number;
}

/** One benchmark.js suite: ours and theirs side by side (messages/s). */
function measureOnce(label: string, ours: () => void, theirs: () => void): Promise<Row> {
  return new Promise((resolve) => {
    const suite = new Benchmark.Suite(label);
    suite
      .add('ours', ours, { maxTime: 1.5 })
      .add('sip', theirs, { maxTime: 1.5 })
      .on('complete', () => {
        const hz = (name: string) => (suite.filter((b: Benchmark) => b.name === name) as unknown as Benchmark[])[0]!.hz;
        resolve({ label, ours: hz('ours'), theirs: hz('sip') });
      })
      .run({ async: true });
  });
}

/**
 * The machine is shared and noisy: each pair runs ROUNDS times, interleaved, and the best rate
 * of each side is kept (noise only ever slows a run down).
 */
const ROUNDS = 3;

async function measure(label: string, ours: () => void, theirs: () => void): Promise<Row> {
  const best: Row = { label, ours: 0, theirs: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const row = await measureOnce(label, ours, theirs);
    best.ours = Math.max(best.ours, row.ours);
    best.theirs = Math.max(best.theirs, row.theirs);
  }
  return best;
}

export async function runParseBench(): Promise<void> {
  const cases: [string, Buffer][] = [
    ['INVITE+SDP', INVITE],
    ['200 OK+SDP', OK],
    ['REGISTER', REGISTER],
  ];
  const rows: Row[] = [];
  for (const [name, data] of cases) {
    rows.push(await measure(`parse ${name}`, () => parseOurs(data), () => parseKirm(data)));
  }
  for (const [name, data] of cases) {
    const ours = parseOurs(data);
    const theirs = parseKirm(data);
    rows.push(
      await measure(
        `serialize ${name}`,
        () => serializeMessage(ours),
        () => Buffer.from(kirm.stringify(theirs), 'latin1'),
      ),
    );
  }
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log('\nSIP parse/serialize (messages/s; higher is better)');
  console.log(['message'.padEnd(22), 'ours msg/s'.padStart(12), 'sip msg/s'.padStart(12), 'ratio'.padStart(7)].join(' '));
  for (const row of rows) {
    console.log(
      [
        row.label.padEnd(22),
        format(row.ours).padStart(12),
        format(row.theirs).padStart(12),
        (row.ours / row.theirs).toFixed(2).padStart(6) + 'x',
      ].join(' '),
    );
  }
}
