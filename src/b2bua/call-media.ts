// The media of one call: its engine bridges, and what each leg's SDP says of our ports and security.
//
// A call starts with one bridge holding a stream per bridged media line of leg A's offer. A media
// line added later by a re-INVITE (video) gets a bridge of its own, so the engine never resizes a
// bridge; `slots` maps each media line to its bridge and stream.
//
// Offers and answers go one way or the other: the leg that offers (leg A for the call, either leg
// for a re-INVITE that adds or removes media) is answered with what the other leg answered to the
// offer the B2BUA made from it. `buildLegBOffer`/`buildLegAAnswer` serve both ways; their "leg A"
// is the offering leg.
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import type { SessionDescription } from 'sdp-transform';
import type { BridgeStats, LegIndex, LegSettings, MediaBridge, MediaKind } from '../media/bridge.js';
import { newIceCredentials } from '../media/ice.js';
import { bridgedMediaLines, buildLegAAnswer, buildLegBOffer, type LegAAnswer, type LegBOffer, type LocalLeg, type Origin } from '../sdp/bridge-sdp.js';
import { parseSdp } from '../sdp/parse.js';
import type { NegotiatedLeg } from '../sdp/renegotiate.js';
import type { LegBMedia } from './application.js';
import type { CallContext } from './call.js';
import { CallRefusedError } from './errors.js';
import { PortsExhaustedError } from '../media/errors.js';

interface Slot {
  bridge: MediaBridge;
  stream: number;
}

/** What a new offer on a leg must carry: that leg's encryption, and our origin for it. */
export interface OfferPlan {
  media: LegBMedia;
  origin?: Origin;
}

export class CallMedia extends EventEmitter<{ 'rtp-timeout': [] }> {
  /**
   * The media of a call whose first offer is `offer`: a stream per bridged line, bound at `address`.
   * Throws CallRefusedError: 488 when no line can be bridged, 503 when the ports are exhausted.
   */
  static forOffer(offer: SessionDescription, address: string, context: CallContext): CallMedia {
    const lines = bridgedMediaLines(offer, context.settings.codecFilter);
    if (lines.length === 0) throw new CallRefusedError(488, 'No Acceptable Media');
    return new CallMedia(createBridge(context, lines, address), lines, address, context);
  }

  private readonly bridges: MediaBridge[] = [];
  /** Indexed by media line. */
  private readonly slots: (Slot | undefined)[] = [];
  private readonly local: [LocalLeg, LocalLeg];

  private constructor(
    bridge: MediaBridge,
    lines: { line: number }[],
    address: string,
    private readonly context: CallContext,
  ) {
    super();
    this.local = [this.localLeg(address), this.localLeg(address)];
    this.adopt(bridge, lines);
  }

  /** True when the line already has a stream (a re-offer keeps it). */
  has(line: number): boolean {
    return this.slots[line] !== undefined;
  }

  /** A new bridge for media lines added by a re-INVITE. Throws CallRefusedError (503) when the ports are exhausted. */
  addStreams(lines: { line: number; kind: MediaKind }[]): void {
    if (lines.length === 0) return;
    this.adopt(createBridge(this.context, lines, this.local[0].address), lines);
  }

  /** Our offer on `to`, made from the offer received on the other leg. */
  offer(to: LegIndex, received: SessionDescription, plan: OfferPlan): LegBOffer {
    if (plan.media.mode === 'zrtp') this.local[to].zrtpHelloHashes = this.helloHashes(to);
    return buildLegBOffer(received, {
      mode: plan.media.mode,
      ...(plan.media.mode === 'sdes' ? { srtpSuites: plan.media.srtpSuites } : {}),
      local: this.local[to],
      dtlsFingerprint: this.context.engine.dtlsFingerprint,
      codecFilter: this.context.settings.codecFilter,
      ...(plan.origin ? { origin: plan.origin } : {}),
    });
  }

  /**
   * Our answer on `from` (the leg whose offer we forwarded as `sent`), from the other leg's answer;
   * applies both legs' settings in the engine. Lines no longer bridged stop (inactive).
   */
  answer(from: LegIndex, received: SessionDescription, sent: LegBOffer, theirAnswer: string, origin?: Origin): LegAAnswer {
    const to = (1 - from) as LegIndex;
    if (this.needsZrtp(received)) this.local[from].zrtpHelloHashes = this.helloHashes(from);
    const answer = buildLegAAnswer(received, sent, theirAnswer, {
      local: this.local[from],
      dtlsFingerprint: this.context.engine.dtlsFingerprint,
      ...(origin ? { origin } : {}),
    });
    const bridged = new Set(answer.streams.map(({ line }) => line));
    this.slots.forEach((slot, line) => {
      if (slot && !bridged.has(line)) for (const leg of [0, 1] as const) slot.bridge.updateLeg(slot.stream, leg, { mode: 'none', direction: 'inactive' });
    });
    for (const stream of answer.streams) {
      const slot = this.slots[stream.line]!;
      slot.bridge.updateLeg(slot.stream, from, stream.legs[0]);
      slot.bridge.updateLeg(slot.stream, to, stream.legs[1]);
    }
    return answer;
  }

  /** What the offering and the answering leg now state (renegotiations start from it). */
  negotiated(answer: LegAAnswer, sent: LegBOffer): [offering: NegotiatedLeg, answering: NegotiatedLeg] {
    const offering: (LegSettings | undefined)[] = [];
    const answering: (LegSettings | undefined)[] = [];
    for (const stream of answer.streams) {
      offering[stream.line] = stream.legs[0];
      answering[stream.line] = stream.legs[1];
    }
    return [
      lazyLeg(() => parseSdp(answer.sdp), offering),
      lazyLeg(() => {
        const ourOffer = parseSdp(sent.sdp);
        // The answering leg was offered every suite; only the one it chose is restated.
        answering.forEach((settings, line) => {
          const media = ourOffer.media[line];
          if (settings?.srtp && media) media.crypto = media.crypto?.filter(({ suite }) => suite === settings.srtp!.suite);
        });
        return ourOffer;
      }, answering),
    ];
  }

  applyLeg(leg: LegIndex, settings: (LegSettings | undefined)[]): void {
    settings.forEach((legSettings, line) => {
      const slot = this.slots[line];
      if (legSettings && slot) slot.bridge.updateLeg(slot.stream, leg, legSettings);
    });
  }

  async stats(): Promise<BridgeStats> {
    const all = await Promise.all(this.bridges.map((bridge) => bridge.stats()));
    return { streams: all.flatMap(({ streams }) => streams) };
  }

  async close(): Promise<void> {
    await Promise.all(this.bridges.map((bridge) => bridge.close()));
  }

  private adopt(bridge: MediaBridge, lines: { line: number }[]): void {
    this.bridges.push(bridge);
    bridge.on('rtp-timeout', () => this.emit('rtp-timeout'));
    lines.forEach(({ line }, stream) => {
      this.slots[line] = { bridge, stream };
      for (const leg of [0, 1] as const) {
        const { rtpPort, rtcpPort } = bridge.streams[stream]!.legs[leg];
        this.local[leg].ports[line] = { rtpPort, rtcpPort };
      }
    });
  }

  /** An `a=zrtp-hash:` line anywhere in the offer, session or media level. */
  private needsZrtp(offer: SessionDescription): boolean {
    return [offer, ...offer.media].some((level) => level.invalid?.some(({ value }) => value.startsWith('zrtp-hash:')));
  }

  private helloHashes(leg: LegIndex): (string | undefined)[] {
    return this.slots.map((slot) => slot && slot.bridge.zrtpHelloHash(slot.stream, leg));
  }

  private localLeg(address: string): LocalLeg {
    const local: LocalLeg = { address, ports: [] };
    const { enableIce, natAddresses } = this.context.settings;
    if (enableIce) {
      const nat = isIPv6(address) ? natAddresses.ipv6 : natAddresses.ipv4;
      local.ice = { credentials: newIceCredentials(), ...(nat ? { natAddresses: [nat] } : {}) };
    }
    return local;
  }
}

/** A bridge with a stream per line, both legs bound at `address`; ports exhausted → CallRefusedError 503. */
function createBridge(context: CallContext, lines: { kind: MediaKind }[], address: string): MediaBridge {
  try {
    return context.engine.createBridge(lines.map(({ kind }) => ({ kind, localAddresses: [address, address] })));
  } catch (error) {
    if (error instanceof PortsExhaustedError) throw new CallRefusedError(503, 'Media Ports Exhausted');
    throw error;
  }
}

/**
 * A negotiated leg whose SDP is parsed on first read: most calls end without a renegotiation, and
 * parsing both SDPs of every answered call was a measurable share of the B3 cost per call.
 */
function lazyLeg(parse: () => SessionDescription, settings: (LegSettings | undefined)[]): NegotiatedLeg {
  let ours: SessionDescription | undefined;
  return {
    get ours() {
      return (ours ??= parse());
    },
    settings,
  };
}
