// Sets up one call of the end-to-end benchmark through the daemon and hands its media to the load
// generator: a real INVITE/200/ACK on leg A and leg B, SDES keys made here, and for the calls
// through the phones' engine a real SDES, DTLS-SRTP or ZRTP exchange with the daemon's leg A.
import { randomBytes } from 'node:crypto';
import { dtlsRole } from '../src/media/dtls-setup.js';
import { srtpSuite } from '../src/media/suites.js';
import type { Dialog } from '../src/sip/dialog/dialog.js';
import { audioSdp, BenchSdpError, readAudioLine, type AudioLine, type MediaSecurity, type PhoneMode } from './calls-sdp.js';
import type { PhoneSide } from './calls-phones.js';
import type { ConnectRequest } from './calls-phone-host.js';
import type { SipPhones } from './calls-sip.js';
import type { LoadGenerator } from './native/load-generator.js';

export interface CallSetupContext {
  sip: SipPhones;
  daemonPort: number;
  generator: LoadGenerator;
  /** Present when leg A is played by the phones' engine; absent = the generator faces leg A itself (SDES). */
  phones?: PhoneSide;
  mode: PhoneMode;
  /** SDES suite on leg A (or between the generator and the phones), and the one leg B must offer. */
  suiteA: string;
  suiteB: string;
}

/** A random base64 key || salt for `suite`. */
export function newKey(suite: string): string {
  const known = srtpSuite(suite);
  if (!known) throw new TypeError(`unknown suite ${suite}`);
  return randomBytes(known.keyLength + known.saltLength).toString('base64');
}

function sdesOf(line: AudioLine, suite: string): { tag: number; key: string } {
  const { security } = line;
  if (security.mode !== 'sdes') throw new BenchSdpError('expected an SDES line');
  if (security.crypto.suite !== suite) throw new BenchSdpError(`SDES suite ${security.crypto.suite}, expected ${suite}`);
  return security.crypto;
}

/** Leg A's offer, and how to finish leg A once the daemon's answer is in: the generator's port facing leg A and its receive key. */
interface LegA {
  offer: string;
  connect(answer: string): Promise<{ relayPort: number; receiveKey: string }>;
}

/** The generator faces the daemon directly: its leg-A socket is in the offer. */
function directLegA(context: CallSetupContext, sendKey: string): LegA {
  const { generator, suiteA } = context;
  return {
    offer: audioSdp({ port: generator.portA, security: { mode: 'sdes', crypto: { tag: 1, suite: suiteA, key: sendKey } } }),
    async connect(answer) {
      const line = readAudioLine(answer, 'sdes');
      return { relayPort: line.port, receiveKey: sdesOf(line, suiteA).key };
    },
  };
}

/** A phone bridge faces the daemon in `mode`; the generator faces the phone's other leg in SDES. */
async function phoneLegA(context: CallSetupContext, phones: PhoneSide, sendKey: string): Promise<LegA> {
  const { generator, mode, suiteA } = context;
  const receiveKey = newKey(suiteA);
  const phone = await phones.open({ mode, generatorPort: generator.portA, suite: suiteA, fromGenerator: sendKey, toGenerator: receiveKey });
  const phoneKey = newKey(suiteA);
  // The phone offers a=setup:active (RFC 4145 allows it) so that the daemon waits for its
  // ClientHello: with actpass the daemon's first ClientHello would reach a leg not yet in DTLS mode.
  const security: MediaSecurity =
    mode === 'sdes' ? { mode, crypto: { tag: 1, suite: suiteA, key: phoneKey } }
      : mode === 'dtls' ? { mode, fingerprint: phone.fingerprint!, setup: 'active' }
        : { mode, helloHash: phone.helloHash! };
  return {
    offer: audioSdp({ port: phone.phonePort, security }),
    async connect(answer) {
      const line = readAudioLine(answer, mode);
      const remote = line.security;
      let request: ConnectRequest['security'];
      if (remote.mode === 'sdes') request = { mode: 'sdes', suite: suiteA, sendKey: phoneKey, receiveKey: sdesOf(line, suiteA).key };
      else if (remote.mode === 'dtls') request = { mode: 'dtls', role: dtlsRole('active', remote.setup)!, fingerprint: remote.fingerprint };
      else request = { mode: 'zrtp', peerHelloHash: remote.helloHash };
      await phones.connect(phone.id, line.port, request);
      return { relayPort: phone.generatorSidePort, receiveKey };
    },
  };
}

/** Sets up call `index` and registers its media with the generator; resolves with leg A's dialog. */
export async function setUpCall(context: CallSetupContext, index: number): Promise<Dialog> {
  const { sip, daemonPort, generator, phones, suiteA, suiteB } = context;
  const aTx = newKey(suiteA);
  const bTx = newKey(suiteB);
  const legA = phones ? await phoneLegA(context, phones, aTx) : directLegA(context, aTx);
  let legB: { port: number; key: string } | undefined;
  const answerLegB = (offer: string): string => {
    const line = readAudioLine(offer, 'sdes');
    const crypto = sdesOf(line, suiteB);
    legB = { port: line.port, key: crypto.key };
    return audioSdp({ port: generator.portB, security: { mode: 'sdes', crypto: { tag: crypto.tag, suite: suiteB, key: bTx } } }, 2);
  };
  const call = await sip.call(daemonPort, `call-${index}`, legA.offer, answerLegB);
  let media: { relayPort: number; receiveKey: string };
  try {
    media = await legA.connect(call.legAAnswer);
  } catch (error) {
    // The call is up in the daemon but has no usable media: hang it up, count it failed.
    void call.dialog.bye().catch(() => undefined);
    throw error;
  }
  const { relayPort, receiveKey } = media;
  generator.addCall(relayPort, legB!.port, { aTx, aRx: receiveKey, bTx, bRx: legB!.key });
  return call.dialog;
}
