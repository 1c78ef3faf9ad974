// docs/configuration.md, generated from the schema table (`node scripts/gen-config-doc.js`).
import { SCHEMA } from './schema.js';
import { MAX_VALUE_BYTES } from './reader.js';

const SYNTAX = `# Configuration

The daemon reads Flexisip's \`flexisip.conf\` (\`-c FILE\`, else \`/etc/flexisip/flexisip.conf\` or the
file named by \`B2BUA_CONFIG\` if it exists, else the embedded default printed by \`b2bua --dump-default\`).
One file can serve a Flexisip proxy and this B2BUA: sections of other servers (\`[global]\`,
\`[module::*]\`, \`[conference-server]\`, …) are accepted and ignored. Inside the sections this daemon
owns (\`[b2bua-server]\`, \`[b2bua-server::trenscrypter]\`, \`[b2bua-server::sip-bridge]\`,
\`[b2bua-daemon]\`) an unknown key is fatal, with file, line and the closest known key; so is an unknown
\`[b2bua-server::…]\` section or a section name one typo away from an owned one.

This file is generated from the schema in \`src/config/schema.ts\`: do not edit it by hand.

## Syntax

Flexisip's syntax, with its quirks fixed where no working Flexisip file depends on them:

| rule | Flexisip | here |
|---|---|---|
| Sections | \`[name]\`, first blank-free token between the brackets; a repeated header merges | same; names case-insensitive |
| Keys | \`key=value\`, keys case-insensitive | same |
| Comments | a line whose first non-space character is \`#\`; no inline comments | same, but tabs before \`#\` also make a comment (Flexisip read such a line as a key) |
| \`#\` after a value | part of the value | same |
| Value length | up to ${MAX_VALUE_BYTES} bytes (longer lines were cut) | same; a longer value is an error |
| Blanks around values | leading and trailing spaces removed, tabs kept | spaces and tabs removed |
| CRLF files | the \`\\r\` stays at the end of each value | the \`\\r\` is removed |
| \`key=\` (empty) | not recorded: the default applies; \`key= \` recorded an empty string | both mean "unset": the default applies (a warning is logged when the default is not empty). Every file Flexisip accepts reads the same here |
| Duplicate key in a section | fatal (since 2.4.0) | fatal, both lines named |
| Key before any section | ignored with a warning | same |
| Line with neither \`[\` nor \`=\` | ignored | ignored in other servers' sections, fatal in the sections owned here |
| Line continuation | none | none |

Types:

| type | accepted |
|---|---|
| Boolean | \`true\`, \`false\`, \`1\`, \`0\` only (\`yes\`, \`on\`, \`True\` are errors) |
| Integer | decimal digits with an optional sign; trailing garbage is an error (Flexisip's \`stoi\` ignored it) |
| IntegerRange | \`N\` or \`MIN-MAX\` |
| String | raw text |
| StringList | items separated by spaces; tabs and commas are part of an item (commas stopped being separators in Flexisip 2.6.0) |
| DurationMS / DurationS / DurationMIN | digits with an optional unit \`ms\`, \`s\`, \`min\`, \`h\`, \`d\`, \`m\` (month = 30.436875 days), \`y\` (365.2425 days); no unit = the key's unit; a unit finer than the key's is an error (\`250ms\` for a DurationS key) |
| SIP URI | \`sip:\` or \`sips:\` URI: optional user, host (name, IPv4 or \`[IPv6]\`), optional port, parameters |

Trenscrypter lists (\`outgoing-enc-regex\`, \`outgoing-srtp-regex\`): regexes are ECMAScript, matched
against the **whole** callee URI (as C++ \`regex_match\`), case-sensitive. Differences from Flexisip,
all turning silent misconfigurations into startup errors naming the item: an unknown SRTP suite name
is fatal (Flexisip kept an "invalid" suite); an odd number of items is fatal (Flexisip ignored the last
item); an unknown mode gets a "did you mean" (the Flexisip help text's own example \`dtsl-srtp\` fails).

Command line: \`--set section/key=value\` (repeatable) replaces the file's value after the file is read;
unknown keys in owned sections are refused as in the file.

Reload: \`SIGHUP\` re-reads the file and the same \`--set\` overrides. Keys marked *reload* below take
effect without dropping calls; other changed keys are logged as needing a restart. A file that fails
to load keeps the running configuration and the reason is logged.

The \`{version}\` of \`user-agent\` is this program's version: a Flexisip proxy replaces it with its own
version when it looks for B2BUA requests, so with a Flexisip proxy write a literal \`user-agent\`.
`;

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderConfigurationDoc(): string {
  const out = [SYNTAX];
  for (const section of SCHEMA) {
    out.push(`## [${section.name}]`, '', section.help, '');
    out.push('| key | type | default | since | reload | description |', '|---|---|---|---|---|---|');
    for (const [name, spec] of Object.entries(section.keys)) {
      const defaultCell = spec.default === '' ? '(empty)' : `\`${escapeCell(spec.default)}\``;
      const description = `${spec.help} Syntax: ${spec.type.syntax}.`;
      out.push(`| \`${name}\` | ${spec.type.name} | ${defaultCell} | ${spec.since} | ${spec.reloadable ? 'yes' : ''} | ${escapeCell(description)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
