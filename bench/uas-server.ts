// A standalone UAS for the signalling benchmark: answers every INVITE with 200 + SDP, takes the
// ACK and the BYE. `node dist/bench/uas-server.js <port>` prints `READY <port>` once listening and,
// on SIGTERM, one JSON line of counters (with the CPU time used, `cpuMicros`) before exiting.
import { TransportLayer } from '../src/sip/transport/transport-layer.js';
import { UserAgent } from '../src/sip/ua/user-agent.js';

const SDP = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n');

const port = Number(process.argv[2] ?? 5060);
const transports = new TransportLayer();
await transports.listen({ protocol: 'udp', address: '127.0.0.1', port });
const ua = new UserAgent({ transports, contactUser: 'bench', userAgentHeader: 'b2bua-bench' });
const counts = { invites: 0, confirmed: 0, failed: 0, byes: 0 };
ua.on('invite', (session) => {
  counts.invites++;
  session.accept({ body: SDP }).then(
    (dialog) => {
      counts.confirmed++;
      dialog.once('terminated', (end) => {
        if (end.reason === 'bye-received') counts.byes++;
      });
    },
    () => counts.failed++,
  );
});

process.once('SIGTERM', () => {
  const cpu = process.cpuUsage();
  const stats = {
    ...counts,
    ...ua.transactions.stats,
    okRetransmissions: ua.stats.okRetransmissions,
    ...transports.stats,
    cpuMicros: cpu.user + cpu.system,
  };
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  void ua.close().then(() => transports.close()).then(() => process.exit(0));
});
process.stdout.write(`READY ${port}\n`);
