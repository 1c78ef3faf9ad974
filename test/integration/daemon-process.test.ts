// The `b2bua` command as a child process (node bin/b2bua.js), as systemd runs it: arguments and exit
// codes, OPTIONS answered with the embedded default and with a file shared with a Flexisip proxy,
// SIGTERM, SIGHUP reload (applied, refused with the old configuration kept, restart-only keys).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect as tlsConnect } from 'node:tls';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';
import { killAllPeers, startPeer, type Peer } from '../helpers/processes.js';
import { startSipp } from '../helpers/sipp.js';
import { makeSelfSignedCert } from '../helpers/tls-cert.js';

const KAMAILIO_CFG = fileURLToPath(new URL('../../../packaging/kamailio/b2bua-proxy.cfg', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/b2bua.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/conf/', import.meta.url));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'b2bua-daemon-'));
}

/** Runs the daemon; B2BUA_CONFIG points nowhere so a machine's /etc/flexisip never leaks in. */
function b2bua(args: string[]): Peer {
  return startPeer(process.execPath, [BIN, ...args], { env: { ...process.env, B2BUA_CONFIG: '/nonexistent/flexisip.conf' } });
}

/** The daemon's JSON log records so far. */
function records(peer: Peer): Record<string, unknown>[] {
  return peer
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function lastRecord(peer: Peer, msg: string): Record<string, unknown> {
  const found = records(peer).filter((record) => record.msg === msg).at(-1);
  assert.ok(found, `no '${msg}' record in:\n${peer.output()}`);
  return found;
}

/**
 * Sends one request over UDP and resolves with the first final response. Retransmits like a UAC
 * (RFC 3261 Timer A/E, T1 = 500 ms) until a response comes: a peer may bind its socket after it logs.
 */
/** An INVITE's probe body: the core refuses it with 400 before any leg B, which proves the INVITE reached it. */
const BROKEN_SDP = 'v=0\r\nnot sdp\r\n';

async function udpRequest(port: number, method: 'OPTIONS' | 'INVITE', extraHeaders: string[] = []): Promise<{ status: number; text: string }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = socket.address().port;
  const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
  const callId = `${Math.random().toString(36).slice(2)}@127.0.0.1`;
  const message = [
    `${method} sip:bob@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:alice@127.0.0.1>;tag=${branch.slice(7)}`,
    `To: <sip:bob@127.0.0.1:${port}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:alice@127.0.0.1:${local}>`,
    ...extraHeaders,
    ...(method === 'INVITE' ? ['Content-Type: application/sdp', `Content-Length: ${BROKEN_SDP.length}`, '', BROKEN_SDP] : ['Content-Length: 0', '', '']),
  ].join('\r\n');
  try {
    return await new Promise((resolve, reject) => {
      let interval = 500;
      let retransmit: NodeJS.Timeout | undefined;
      const send = () => {
        socket.send(message, port, '127.0.0.1');
        retransmit = setTimeout(send, interval);
        interval = Math.min(interval * 2, 4000);
      };
      // Safety net only: a lost exchange fails the test instead of hanging it.
      const timer = setTimeout(() => {
        clearTimeout(retransmit);
        reject(new Error(`no final response to ${method} from port ${port}`));
      }, 10_000);
      socket.on('error', reject);
      socket.on('message', (data) => {
        clearTimeout(retransmit);
        const text = data.toString('utf8');
        const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]);
        if (status >= 200) {
          if (method === 'INVITE') {
            // Complete the INVITE transaction so the daemon stops retransmitting its final response.
            const to = /^To: (.*)$/im.exec(text)?.[1] ?? '';
            const ack = [`ACK sip:bob@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch}`, 'Max-Forwards: 70',
              `From: <sip:alice@127.0.0.1>;tag=${branch.slice(7)}`, `To: ${to}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n');
            socket.send(ack, port, '127.0.0.1');
          }
          clearTimeout(timer);
          resolve({ status, text });
        }
      });
      send();
    });
  } finally {
    socket.close();
  }
}

const OPTIONS_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="options">
  <send><![CDATA[
OPTIONS sip:b2bua@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:b2bua@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

  ]]></send>
  <recv response="200"/>
</scenario>
`;

describe('b2bua command line', () => {
  after(killAllPeers);

  it('--help and --version exit 0; --version names node and the native libraries (or says the addon is missing)', async () => {
    const help = b2bua(['--help']);
    assert.equal(await help.exited, 0);
    assert.match(help.output(), /--set SECTION\/KEY=VALUE/);
    const version = b2bua(['--version']);
    assert.equal(await version.exited, 0);
    const text = version.output();
    assert.match(text, /^b2bua \d+\.\d+\.\d+$/m);
    assert.match(text, new RegExp(`^node ${process.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(text, /^libsrtp .+ \((openssl|nss) backend\)\nOpenSSL .+\nbzrtp .+$|^native media addon unavailable: /m);
  });

  it('bad arguments exit 2 with the reason on stderr', async () => {
    for (const [args, reason] of [
      [['--no-such-option'], "unknown argument '--no-such-option'"],
      [['--set', 'b2bua-server'], "--set expects SECTION/KEY=VALUE, got 'b2bua-server'"],
      [['--server', 'proxy'], "this program only runs the b2bua server, not 'proxy'"],
      [['-c'], '-c needs a value'],
    ] as const) {
      const peer = b2bua([...args]);
      assert.equal(await peer.exited, 2, peer.output());
      assert.match(peer.output(), new RegExp(`^b2bua: ${reason.replace(/[[\]/.*]/g, '\\$&')}$`, 'm'));
    }
  });

  it('a bad configuration exits 1 with file, line and reason on stderr', async () => {
    const path = join(FIXTURES, 'typo-key.conf');
    const peer = b2bua(['-c', path]);
    assert.equal(await peer.exited, 1);
    assert.equal(peer.output(), `b2bua: ${path}:3: unknown key 'transports' in section [b2bua-server]; did you mean 'transport'?\n`);
    const missing = b2bua(['-c', '/nonexistent/flexisip.conf']);
    assert.equal(await missing.exited, 1);
    assert.match(missing.output(), /^b2bua: \/nonexistent\/flexisip\.conf: cannot read configuration file: ENOENT/);
  });

  it('--dump-default prints a configuration the daemon starts with (here with --debug)', async () => {
    const dump = b2bua(['--dump-default']);
    assert.equal(await dump.exited, 0);
    const dir = tempDir();
    writeFileSync(join(dir, 'default.conf'), dump.output());
    const port = await freePort();
    const daemon = b2bua(['-c', join(dir, 'default.conf'), '--debug', '--set', `b2bua-server/transport=sip:127.0.0.1:${port};transport=udp`, '--set', `b2bua-server/data-directory=${dir}/data`]);
    await daemon.waitFor('"msg":"b2bua started"');
    assert.equal(lastRecord(daemon, 'b2bua started').logLevel, 'debug');
    assert.equal((await udpRequest(port, 'OPTIONS')).status, 200);
    assert.equal((await udpRequest(port, 'INVITE')).status, 400);
    await daemon.waitFor('"msg":"incoming INVITE"');
    assert.equal(await daemon.kill('SIGTERM'), 0);
  });
});

describe('b2bua daemon', () => {
  after(killAllPeers);

  it('with the embedded default (TCP, port overridden) answers an OPTIONS from sipp with 200, and stops on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const dir = tempDir();
    const daemon = b2bua(['--set', `b2bua-server/transport=sip:127.0.0.1:${port};transport=tcp`, '--set', `b2bua-server/data-directory=${dir}/data`]);
    await daemon.waitFor('"msg":"b2bua started"');
    const started = lastRecord(daemon, 'b2bua started');
    assert.equal(started.config, '<embedded default>');
    assert.equal(started.application, 'trenscrypter');
    assert.equal(started.listen, `tcp:127.0.0.1:${port}`);
    // data-directory is created at startup (with its parent, no deeper), as Flexisip does.
    assert.equal(existsSync(join(dir, 'data')), true);

    writeFileSync(join(dir, 'options.xml'), OPTIONS_SCENARIO);
    const sipp = await startSipp({ scenario: join(dir, 'options.xml'), transport: 'tcp', calls: 1, remote: `127.0.0.1:${port}`, timeoutSeconds: 10 });
    const result = await sipp.result;
    assert.equal(result.exitCode, 0, result.output + result.errors);
    assert.equal(result.successful, 1);

    assert.equal(await daemon.kill('SIGTERM'), 0);
    assert.equal(lastRecord(daemon, 'draining: new calls are refused with 503').activeCalls, 0);
    lastRecord(daemon, 'b2bua stopped');
  });

  it('starts from a flexisip.conf shared with a Flexisip proxy, --server b2bua spelling, and answers OPTIONS', async () => {
    const port = await freePort();
    const dir = tempDir();
    const daemon = b2bua([
      '--server', 'b2bua',
      '-c', join(FIXTURES, 'shared-with-proxy.conf'),
      '--set', `b2bua-server/transport=sip:127.0.0.1:${port};transport=udp`,
      '--set', `b2bua-server/data-directory=${dir}/data`,
    ]);
    await daemon.waitFor('"msg":"b2bua started"');
    const started = lastRecord(daemon, 'b2bua started');
    assert.deepEqual(started.ignoredSections, ['global', 'module::Registrar', 'module::Authentication', 'Module::B2bua', 'conference-server']);
    assert.deepEqual(started.outgoingEncRegex, [
      'zrtp .*b2bua_zrtp.*@sip\\.example\\.org(;.*)?',
      'sdes .*b2bua_srtp.*@sip\\.example\\.org(;.*)?',
      'dtls-srtp .*b2bua_dtls.*@sip\\.example\\.org(;.*)?',
    ]);
    const answer = await udpRequest(port, 'OPTIONS');
    assert.equal(answer.status, 200);
    assert.match(answer.text, /^Server: Flexisip-B2BUA\/2\.5\.0\r$/m);
    assert.equal(await daemon.kill('SIGINT'), 0);
  });

  it('listens on TLS (sips:) with the certificate and key of [b2bua-daemon] and answers OPTIONS', async () => {
    const cert = await makeSelfSignedCert();
    const port = await freePort();
    const dir = tempDir();
    const daemon = b2bua([
      '--set', `b2bua-server/transport=sips:127.0.0.1:${port}`,
      '--set', `b2bua-daemon/tls-certificate=${cert.certFile}`,
      '--set', `b2bua-daemon/tls-private-key=${cert.keyFile}`,
      '--set', `b2bua-server/data-directory=${dir}/data`,
    ]);
    await daemon.waitFor('"msg":"b2bua started"');
    assert.equal(lastRecord(daemon, 'b2bua started').listen, `tls:127.0.0.1:${port}`);
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(cert.caFile), servername: 'localhost' });
    try {
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      const local = socket.localPort;
      socket.write(
        [`OPTIONS sip:b2bua@127.0.0.1:${port};transport=tls SIP/2.0`, `Via: SIP/2.0/TLS 127.0.0.1:${local};branch=z9hG4bKtls1`, 'Max-Forwards: 70',
          'From: <sip:alice@localhost>;tag=1', `To: <sip:b2bua@127.0.0.1:${port}>`, 'Call-ID: tls-options@127.0.0.1', 'CSeq: 1 OPTIONS',
          'Content-Length: 0', '', ''].join('\r\n'),
      );
      let answer = '';
      await new Promise<void>((resolve, reject) => {
        socket.on('data', (data: Buffer) => {
          answer += data.toString('utf8');
          if (answer.includes('\r\n\r\n')) resolve();
        });
        socket.once('error', reject);
      });
      assert.match(answer, /^SIP\/2\.0 200 /);
    } finally {
      socket.destroy();
      await cert.remove();
    }
    assert.equal(await daemon.kill('SIGTERM'), 0);
  });

  it('SIGHUP reloads the trenscrypter lists and the log level; a broken file keeps the running configuration', async () => {
    const port = await freePort();
    const dir = tempDir();
    const conf = join(dir, 'flexisip.conf');
    const base = `[global]\nlog-level=error\n[b2bua-server]\ntransport=sip:127.0.0.1:${port};transport=udp\ndata-directory=${dir}/data\n`;
    writeFileSync(conf, `${base}[b2bua-server::trenscrypter]\noutgoing-enc-regex=sdes .*@a\\.org\n`);
    const daemon = b2bua(['-c', conf]);
    await daemon.waitFor('"msg":"b2bua started"');
    assert.equal(lastRecord(daemon, 'b2bua started').logLevel, 'info');
    // At info level an INVITE leaves no debug record.
    assert.equal((await udpRequest(port, 'INVITE')).status, 400);
    assert.equal(records(daemon).some((record) => record.level === 'debug'), false);

    writeFileSync(
      conf,
      `${base}[b2bua-server::trenscrypter]\noutgoing-enc-regex=zrtp .*@secure\\.org(;.*)? dtls-srtp .*@b\\.org\noutgoing-srtp-regex=AEAD_AES_256_GCM .*\n[b2bua-daemon]\nlog-level=debug\n`,
    );
    daemon.child.kill('SIGHUP');
    await daemon.waitFor('"msg":"configuration reloaded"');
    const reloaded = lastRecord(daemon, 'configuration reloaded');
    assert.deepEqual(reloaded.applied, ['b2bua-server::trenscrypter/outgoing-enc-regex', 'b2bua-server::trenscrypter/outgoing-srtp-regex', 'b2bua-daemon/log-level']);
    assert.deepEqual(reloaded.outgoingEncRegex, ['zrtp .*@secure\\.org(;.*)?', 'dtls-srtp .*@b\\.org']);
    assert.deepEqual(reloaded.outgoingSrtpRegex, ['AEAD_AES_256_GCM .*']);
    assert.equal(reloaded.logLevel, 'debug');
    // The new level is in force: the next INVITE is logged at debug.
    assert.equal((await udpRequest(port, 'INVITE')).status, 400);
    await daemon.waitFor('"msg":"incoming INVITE"');

    writeFileSync(conf, `${base}[b2bua-server::trenscrypter]\noutgoing-enc-regex=zrtp .*( sdes .*\n`);
    daemon.child.kill('SIGHUP');
    await daemon.waitFor('"msg":"reload failed: keeping the running configuration"');
    assert.equal(
      lastRecord(daemon, 'reload failed: keeping the running configuration').reason,
      `${conf}:7: [b2bua-server::trenscrypter] outgoing-enc-regex: list contains invalid regex '.*(': Invalid regular expression: /.*(/: Unterminated group`,
    );
    assert.equal((await udpRequest(port, 'OPTIONS')).status, 200);

    // A key that needs a restart is reported and not applied: the daemon still listens on the old port.
    const otherPort = await freePort();
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(`127.0.0.1:${port}`, `127.0.0.1:${otherPort}`).replace('zrtp .*( sdes .*', 'sdes .*'));
    daemon.child.kill('SIGHUP');
    await daemon.waitFor(/"outgoingEncRegex":\["sdes \.\*"\],"outgoingSrtpRegex":\[\],"msg":"configuration reloaded"/);
    assert.equal(lastRecord(daemon, 'changed key needs a restart: not applied').setting, 'b2bua-server/transport');
    assert.equal((await udpRequest(port, 'OPTIONS')).status, 200);

    assert.equal(await daemon.kill('SIGTERM'), 0);
  });
});

describe('b2bua behind Kamailio with packaging/kamailio/b2bua-proxy.cfg', () => {
  let kamailio: Peer | undefined;
  after(async () => {
    // SIGTERM first: kamailio then stops its worker processes (SIGKILL would orphan them).
    await kamailio?.kill('SIGTERM');
    await killAllPeers();
  });

  it('INVITEs from clients reach the B2BUA; INVITEs carrying its User-Agent or X-Flexisip-B2BUA do not', async () => {
    const [proxyPort, b2buaPort] = [await freePort(), await freePort()];
    const dir = tempDir();
    const daemon = b2bua(['--debug', '--set', `b2bua-server/transport=sip:127.0.0.1:${b2buaPort};transport=udp`, '--set', `b2bua-server/data-directory=${dir}/data`]);
    await daemon.waitFor('"msg":"b2bua started"');
    kamailio = startPeer('/usr/sbin/kamailio', [
      '-f', KAMAILIO_CFG, '-DD', '-E', '-Y', dir,
      '-A', `LISTEN_UDP=udp:127.0.0.1:${proxyPort}`,
      '-A', `LISTEN_TCP=tcp:127.0.0.1:${proxyPort}`,
      '-A', `B2BUA_URI="sip:127.0.0.1:${b2buaPort};transport=udp"`,
      '-A', 'B2BUA_USER_AGENT="Flexisip-B2BUA/0.1.0"',
    ]);
    await kamailio.waitFor(/Listening on/);

    // The core refuses the INVITE's broken SDP with 400, which proves the INVITE went to it.
    const fromClient = await udpRequest(proxyPort, 'INVITE');
    assert.equal(fromClient.status, 400);
    assert.match(fromClient.text, /^Server: Flexisip-B2BUA\/0\.1\.0\r$/m);
    await daemon.waitFor('"msg":"incoming INVITE"');
    const seenByB2bua = records(daemon).filter((record) => record.msg === 'incoming INVITE');
    assert.equal(seenByB2bua.length, 1);
    assert.equal(seenByB2bua[0]?.to, `<sip:bob@127.0.0.1:${proxyPort}>`);

    // Leg B INVITEs of the B2BUA are routed by the proxy (nobody registered: 404), not sent back.
    assert.equal((await udpRequest(proxyPort, 'INVITE', ['User-Agent: Flexisip-B2BUA/0.1.0'])).status, 404);
    assert.equal((await udpRequest(proxyPort, 'INVITE', ['X-Flexisip-B2BUA: ignore'])).status, 404);
    assert.equal(records(daemon).filter((record) => record.msg === 'incoming INVITE').length, 1);

    assert.equal(await daemon.kill('SIGTERM'), 0);
  });
});
