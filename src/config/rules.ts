// Startup rules that involve several keys or the file system (reference §1.1, §5.11).
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { InvalidValueError, type ConfigLocation } from './errors.js';
import type { LoadedConfig } from './load.js';

export function checkRules(config: LoadedConfig): void {
  const server = config.values['b2bua-server'];
  const daemon = config.values['b2bua-daemon'];
  // A rule broken by defaults names the file (or `<embedded default>`) since no line holds the key.
  const where = (section: string, key: string) => config.locations.get(`${section}/${key}`) ?? { source: config.source };

  if (server['no-rtp-timeout'] === 0) {
    throw new InvalidValueError('b2bua-server', 'no-rtp-timeout', 'must be strictly positive', where('b2bua-server', 'no-rtp-timeout'));
  }
  if (server['nat-addresses'].length > 0 && !server['enable-ice']) {
    throw new InvalidValueError('b2bua-server', 'nat-addresses', 'must be empty when enable-ice is false', where('b2bua-server', 'nat-addresses'));
  }
  if (server.transport.protocol === 'tls') {
    for (const name of ['tls-certificate', 'tls-private-key'] as const) {
      const path = daemon[name];
      if (path === '') {
        throw new InvalidValueError('b2bua-daemon', name, `required by the TLS transport ${server.transport.text}`, where('b2bua-daemon', name));
      }
      checkReadable(path, 'b2bua-daemon', name, where('b2bua-daemon', name));
    }
  }
  if (daemon['tls-ca-file'] !== '') checkReadable(daemon['tls-ca-file'], 'b2bua-daemon', 'tls-ca-file', where('b2bua-daemon', 'tls-ca-file'));
  if (server.application === 'sip-bridge') checkProvidersFile(config);
}

function checkReadable(path: string, section: string, key: string, location: ConfigLocation | undefined): void {
  try {
    readFileSync(path);
  } catch (err) {
    throw new InvalidValueError(section, key, `cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, location);
  }
}

/** The providers file path, resolved against the configuration file's directory (as Flexisip does). */
export function providersFilePath(config: LoadedConfig): string {
  return resolve(config.directory, config.values['b2bua-server::sip-bridge'].providers);
}

/** Only the file level: its schema (v1/v2) is validated by the sip-bridge application. */
function checkProvidersFile(config: LoadedConfig): void {
  const path = providersFilePath(config);
  const location = config.locations.get('b2bua-server::sip-bridge/providers') ?? { source: config.source };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InvalidValueError('b2bua-server::sip-bridge', 'providers', `failed to open external SIP providers JSON configuration file '${path}'`, location);
  }
  try {
    JSON.parse(text);
  } catch (err) {
    throw new InvalidValueError('b2bua-server::sip-bridge', 'providers', `'${path}' is not valid JSON: ${(err as Error).message}`, location);
  }
}

export interface NatAddresses {
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** Resolves `nat-addresses` at startup: at most one address per family, every name must resolve. */
export async function resolveNatAddresses(config: LoadedConfig): Promise<NatAddresses> {
  const location = config.locations.get('b2bua-server/nat-addresses') ?? { source: config.source };
  const found: { ipv4?: string; ipv6?: string } = {};
  for (const item of config.values['b2bua-server']['nat-addresses']) {
    let address = item;
    if (isIP(item) === 0) {
      try {
        address = (await lookup(item)).address;
      } catch {
        throw new InvalidValueError('b2bua-server', 'nat-addresses', `cannot resolve '${item}'`, location);
      }
    }
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (found[family] !== undefined) {
      throw new InvalidValueError('b2bua-server', 'nat-addresses', `more than one ${family === 'ipv6' ? 'IPv6' : 'IPv4'} address ('${found[family]}' and '${item}')`, location);
    }
    found[family] = address;
  }
  return found;
}
