// The SIP side of the end-to-end benchmark, on our own stack: a caller user agent that sends leg A's
// INVITE to the daemon, and a callee user agent (the daemon's outbound-proxy) that answers leg B.
// Each call's To user names it, so the callee finds the answer of the right call.
import { TransportLayer } from '../src/sip/transport/transport-layer.js';
import { UserAgent } from '../src/sip/ua/user-agent.js';
import type { ServerInviteSession } from '../src/sip/ua/server-invite-session.js';
import type { Dialog } from '../src/sip/dialog/dialog.js';
import { freePort } from '../test/helpers/ports.js';

/** Leg A was refused, timed out, or leg B's offer could not be answered. */
export class CallSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallSetupError';
  }
}

export interface EstablishedCall {
  /** Leg A's dialog, to hang up with. */
  dialog: Dialog;
  /** The daemon's answer on leg A. */
  legAAnswer: string;
}

/** Builds the callee's answer to leg B's offer (and keeps what it needs from that offer). */
export type LegBAnswerer = (offer: string) => string;

interface Agent {
  transports: TransportLayer;
  ua: UserAgent;
  port: number;
}

async function startAgent(contactUser: string): Promise<Agent> {
  const transports = new TransportLayer();
  const port = await freePort();
  await transports.listen({ protocol: 'udp', address: '127.0.0.1', port });
  return { transports, ua: new UserAgent({ transports, contactUser }), port };
}

export class SipPhones {
  private readonly answerers = new Map<string, LegBAnswerer>();

  private constructor(
    private readonly caller: Agent,
    private readonly callee: Agent,
  ) {
    callee.ua.on('invite', (session: ServerInviteSession) => this.answer(session));
  }

  static async start(): Promise<SipPhones> {
    const [caller, callee] = await Promise.all([startAgent('caller'), startAgent('callee')]);
    return new SipPhones(caller, callee);
  }

  /** Where the daemon's `outbound-proxy` must point. */
  get calleePort(): number {
    return this.callee.port;
  }

  /** INVITE sip:<user>@daemon with `offer`; leg B is answered by `answerLegB`. Resolves once ACKed. */
  call(daemonPort: number, user: string, offer: string, answerLegB: LegBAnswerer): Promise<EstablishedCall> {
    this.answerers.set(user, answerLegB);
    const session = this.caller.ua.invite(`sip:${user}@127.0.0.1:${daemonPort}`, { from: `<sip:caller-${user}@127.0.0.1>`, body: offer });
    return new Promise<EstablishedCall>((resolve, reject) => {
      session.on('accepted', (response, dialog) => resolve({ dialog, legAAnswer: response.body.toString('utf8') }));
      session.on('rejected', (response) => reject(new CallSetupError(`leg A refused: ${response.status} ${response.reason}`)));
      session.on('failed', (error: Error) => reject(new CallSetupError(`leg A failed: ${error.message}`)));
    }).finally(() => this.answerers.delete(user));
  }

  async close(): Promise<void> {
    for (const agent of [this.caller, this.callee]) {
      await agent.ua.close();
      await agent.transports.close();
    }
  }

  private answer(session: ServerInviteSession): void {
    const answerer = this.answerers.get(session.request.uri.user ?? '');
    if (!answerer) {
      session.reject(404);
      return;
    }
    let answer: string;
    try {
      answer = answerer(session.request.body.toString('utf8'));
    } catch (error) {
      // The daemon relays the refusal and its phrase to leg A, where the call fails with them.
      session.reject(488, { reason: (error as Error).message.split('\n')[0] });
      return;
    }
    void session.accept({ body: answer });
  }
}
