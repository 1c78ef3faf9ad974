// `--dump-default`: a flexisip.conf with every key at its default, its help as comments.
import { SCHEMA } from './schema.js';

function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

export function dumpDefaultConfig(version: string): string {
  const out: string[] = [
    `# Default configuration of the b2bua daemon ${version} (flexisip.conf syntax).`,
    '# Sections of other Flexisip servers may be added: they are accepted and ignored.',
    '',
  ];
  for (const section of SCHEMA) {
    out.push('##', ...wrapText(section.help, 96).map((line) => `## ${line}`), '##', `[${section.name}]`, '');
    for (const [name, spec] of Object.entries(section.keys)) {
      out.push(...wrapText(spec.help, 96).map((line) => `# ${line}`));
      out.push(`# Type: ${spec.type.name}. Since ${spec.since}.${spec.reloadable ? ' Reloaded by SIGHUP.' : ''}`);
      out.push(`${name}=${spec.default}`, '');
    }
  }
  return out.join('\n');
}
