// Throw-away self-signed certificates for TLS tests, made with the openssl CLI in a temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer } from './processes.js';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate itself: being self-signed, it is its own CA. */
  caFile: string;
  /** Deletes the temp dir. */
  remove(): Promise<void>;
}

/** A P-256 certificate valid for `localhost`, 127.0.0.1 and ::1 (one day). */
export async function makeSelfSignedCert(commonName = 'localhost'): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'b2bua-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const openssl = startPeer('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${commonName}`,
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
  ]);
  const status = await openssl.exited;
  if (status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`openssl req failed (${status}):\n${openssl.output()}`);
  }
  return { certFile, keyFile, caFile: certFile, remove: () => rm(dir, { recursive: true, force: true }) };
}
