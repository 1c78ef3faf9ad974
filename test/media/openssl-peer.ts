// `openssl s_client` / `s_server` as the independent DTLS-SRTP peer of an engine leg: a throwaway
// P-256 certificate, the processes (tracked by PID through test/helpers/processes.ts), and the
// keying material they export, split per RFC 5764 §4.2.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, type Peer } from '../helpers/processes.js';
import type { SuiteName } from '../helpers/srtp-oracle.js';

export interface PeerCertificate {
  cert: string;
  key: string;
  /** 'AB:CD:...' as node computes it: independent of the engine's own code. */
  fingerprint: string;
}

const madeDirectories: string[] = [];

/** A temporary directory, removed by `removeTemporaryFiles()`. */
export function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirectories.push(dir);
  return dir;
}

export function removeTemporaryFiles(): void {
  for (const dir of madeDirectories.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function makeCertificate(): Promise<PeerCertificate> {
  const dir = temporaryDirectory('b2bua-dtls-peer-');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const req = startPeer('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', '/CN=test-peer', '-days', '2', '-keyout', key, '-out', cert,
  ]);
  const code = await req.exited;
  if (code !== 0) throw new Error(`openssl req failed: ${req.output()}`);
  return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

/** The SRTP profiles openssl names, with the oracle's suite and key sizes. */
export const PROFILES = {
  SRTP_AES128_CM_SHA1_80: { suite: 'AES_CM_128_HMAC_SHA1_80', key: 16, salt: 14 },
  SRTP_AES128_CM_SHA1_32: { suite: 'AES_CM_128_HMAC_SHA1_32', key: 16, salt: 14 },
  SRTP_AEAD_AES_128_GCM: { suite: 'AEAD_AES_128_GCM', key: 16, salt: 12 },
  SRTP_AEAD_AES_256_GCM: { suite: 'AEAD_AES_256_GCM', key: 32, salt: 12 },
} as const satisfies Record<string, { suite: SuiteName; key: number; salt: number }>;
export type ProfileName = keyof typeof PROFILES;

function exportArgs(profile: ProfileName | undefined): string[] {
  if (!profile) return [];
  const { key, salt } = PROFILES[profile];
  return ['-use_srtp', profile, '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(2 * (key + salt))];
}

/** A DTLS 1.2 client toward `port`; `profile` undefined = no use_srtp extension at all. */
export function startClient(port: number, certificate: PeerCertificate, profile: ProfileName | undefined): Peer {
  return startPeer('openssl', [
    's_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-cert', certificate.cert, '-key', certificate.key,
    ...exportArgs(profile),
  ]);
}

export async function startServer(port: number, certificate: PeerCertificate, profile: ProfileName): Promise<Peer> {
  const server = startPeer('openssl', [
    's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', certificate.cert, '-key', certificate.key,
    ...exportArgs(profile),
  ]);
  await server.waitFor('ACCEPT');
  return server;
}

export interface ExportedKeys {
  /** key || salt the DTLS client protects with (and the server checks). */
  client: Buffer;
  server: Buffer;
}

/** Waits for openssl's "Keying material: <hex>" and splits client_key|server_key|client_salt|server_salt. */
export async function exportedKeys(peer: Peer, profile: ProfileName): Promise<ExportedKeys> {
  await peer.waitFor(/Keying material: [0-9A-F]+/);
  const hex = /Keying material: ([0-9A-F]+)/.exec(peer.output())![1]!;
  const material = Buffer.from(hex, 'hex');
  const { key, salt } = PROFILES[profile];
  const clientKey = material.subarray(0, key);
  const serverKey = material.subarray(key, 2 * key);
  const clientSalt = material.subarray(2 * key, 2 * key + salt);
  const serverSalt = material.subarray(2 * key + salt);
  return { client: Buffer.concat([clientKey, clientSalt]), server: Buffer.concat([serverKey, serverSalt]) };
}
