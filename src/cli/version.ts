// `--version`: ours, node's, and the native libraries' (when the addon is built).
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export async function versionText(): Promise<string> {
  const lines = [`b2bua ${packageVersion()}`, `node ${process.version}`];
  try {
    // Imported lazily: --version must work (and say so) when the addon is not built.
    const { nativeVersions } = await import('../native/addon.js');
    const native = nativeVersions();
    lines.push(`libsrtp ${native.libsrtp} (${native.libsrtpBackend} backend)`, `OpenSSL ${native.openssl}`, `bzrtp ${native.bzrtp}`);
  } catch (err) {
    lines.push(`native media addon unavailable: ${(err as Error).message}`);
  }
  return lines.join('\n');
}
