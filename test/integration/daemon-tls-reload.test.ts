// SIGHUP on a TLS transport: a certificate renewed in place (same paths) is served to new
// connections after the reload; a broken certificate file keeps the running one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadConfigText } from '../../src/config/load.js';
import { Daemon } from '../../src/cli/daemon.js';
import { createLogger } from '../../src/log/factory.js';
import { freePort } from '../helpers/ports.js';
import { makeSelfSignedCert, type TestCertificate } from '../helpers/tls-cert.js';
import { killAllPeers } from '../helpers/processes.js';

const certificates: TestCertificate[] = [];
after(async () => {
  await killAllPeers();
  await Promise.all(certificates.map((c) => c.remove()));
});

/** SHA-256 fingerprint of the certificate the server presents to a new TLS connection. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

const fingerprintOf = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

test('SIGHUP re-reads TLS files renewed in place; a broken file keeps the running certificate', async () => {
  const [first, renewed] = await Promise.all([makeSelfSignedCert('first'), makeSelfSignedCert('renewed')]);
  certificates.push(first, renewed);
  const dir = await mkdtemp(join(tmpdir(), 'b2bua-tls-reload-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await copyFile(first.certFile, certFile);
  await copyFile(first.keyFile, keyFile);

  const port = await freePort();
  const text = `[b2bua-server]\ntransport=sip:127.0.0.1:${port};transport=tls\ndata-directory=${dir}/data\n` +
    `[b2bua-daemon]\ntls-certificate=${certFile}\ntls-private-key=${keyFile}\n`;
  const load = () => loadConfigText(text, 'tls.conf', [], dir);
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  const daemon = await Daemon.start({
    config: load(),
    loadConfig: load,
    logger: createLogger({ level: 'info', format: 'json', out: sink }),
    version: '0.0.0-test',
  });
  try {
    assert.equal(await servedFingerprint(port), fingerprintOf(first.certFile));

    await copyFile(renewed.certFile, certFile);
    await copyFile(renewed.keyFile, keyFile);
    await daemon.reload();
    assert.equal(await servedFingerprint(port), fingerprintOf(renewed.certFile));

    await writeFile(certFile, 'not a certificate\n');
    await daemon.reload();
    assert.equal(await servedFingerprint(port), fingerprintOf(renewed.certFile));
    assert.ok(lines.some((line) => line.includes('reload failed: keeping the running configuration')), lines.join(''));
  } finally {
    await daemon.drain();
  }
});
