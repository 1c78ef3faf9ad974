// RFC 4568 (SDES) `a=crypto:<tag> <suite> inline:<base64 key||salt>[|lifetime][|MKI:length] [session-params]`.
// Key lengths come from the engine's suite table, so a line is only accepted when the engine can use it.
//
// Not supported, on purpose: MKI (the engine keys a stream with one master key, and SRTP packets
// carrying an MKI would not authenticate) and several inline keys per line; both make the line
// unusable (488), so the answerer skips it and tries the next one. Session parameters
// (KDR, UNENCRYPTED_SRTP, ...; RFC 4568 §6.3) are kept in `sessionParams` for logs but not applied:
// the engine always encrypts and authenticates with a key derivation rate of 0.
import { randomBytes } from 'node:crypto';
import { srtpSuite, type SrtpSuiteName } from '../media/suites.js';
import { CryptoAttributeError } from './errors.js';

export interface CryptoAttribute {
  tag: number;
  suite: SrtpSuiteName;
  /** Master key followed by master salt, as the engine's `sendKey` / `receiveKey` take them. */
  keySalt: Buffer;
  /** As written (`2^31`, `1048576`); informative only: the engine re-keys on new offers, not on lifetime. */
  lifetime?: string;
  sessionParams: string[];
}

const SYNTAX = /^(\d{1,9}) ([A-Za-z0-9_]+) (\S+)((?: \S+)*)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function malformed(reason: string): CryptoAttributeError {
  return new CryptoAttributeError(`a=crypto: ${reason}`, 400);
}

function unsupported(reason: string): CryptoAttributeError {
  return new CryptoAttributeError(`a=crypto: ${reason}`, 488);
}

/** `value` is what follows `a=crypto:`. */
export function parseCryptoAttribute(value: string): CryptoAttribute {
  const match = SYNTAX.exec(value.trim());
  if (!match) throw malformed(`'${value.slice(0, 60)}' is not '<tag> <suite> <key-params>'`);
  const [, tagText, suiteName, keyParams, sessionText] = match as unknown as [string, string, string, string, string];
  const suite = srtpSuite(suiteName);
  if (!suite) throw unsupported(`suite ${suiteName} is not supported`);
  if (keyParams.includes(';')) throw unsupported('several master keys per line are not supported');
  if (!keyParams.startsWith('inline:')) throw malformed(`key method of '${keyParams.slice(0, 20)}' is not inline`);
  const [keyText = '', ...extras] = keyParams.slice('inline:'.length).split('|');
  if (extras.length > 2) throw malformed('too many |-separated fields after the key');
  let lifetime: string | undefined;
  for (const extra of extras) {
    if (/^\d+:\d+$/.test(extra)) throw unsupported('MKI is not supported');
    if (!/^(?:2\^)?\d+$/.test(extra) || lifetime !== undefined) throw malformed(`'${extra}' is neither a lifetime nor an MKI`);
    lifetime = extra;
  }
  if (!BASE64.test(keyText)) throw malformed('the key is not base64');
  const keySalt = Buffer.from(keyText, 'base64');
  const expected = suite.keyLength + suite.saltLength;
  if (keySalt.length !== expected) {
    throw malformed(`${suite.name} needs ${expected} bytes of key and salt, the line has ${keySalt.length}`);
  }
  const attribute: CryptoAttribute = { tag: Number(tagText), suite: suite.name, keySalt, sessionParams: sessionText.split(' ').filter(Boolean) };
  if (lifetime !== undefined) attribute.lifetime = lifetime;
  return attribute;
}

/** The key-params field: `inline:<key||salt>[|lifetime]`. */
export function formatKeyParams(attribute: CryptoAttribute): string {
  const lifetime = attribute.lifetime === undefined ? '' : `|${attribute.lifetime}`;
  return `inline:${attribute.keySalt.toString('base64')}${lifetime}`;
}

/** The text after `a=crypto:`. */
export function formatCryptoAttribute(attribute: CryptoAttribute): string {
  const session = attribute.sessionParams.map((param) => ` ${param}`).join('');
  return `${attribute.tag} ${attribute.suite} ${formatKeyParams(attribute)}${session}`;
}

/** A fresh random master key and salt for `suite`, under `tag`. */
export function newCryptoAttribute(tag: number, suite: SrtpSuiteName): CryptoAttribute {
  const { keyLength, saltLength } = srtpSuite(suite)!;
  return { tag, suite, keySalt: randomBytes(keyLength + saltLength), sessionParams: [] };
}
