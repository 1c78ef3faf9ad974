// Bencode (the rtpengine ng control protocol's encoding): strings, integers, lists, dictionaries.
export type BValue = string | number | Buffer | BValue[] | { [key: string]: BValue };

export function bencode(value: BValue): Buffer {
  if (typeof value === 'number') return Buffer.from(`i${Math.trunc(value)}e`);
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
    return Buffer.concat([Buffer.from(`${bytes.length}:`), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([Buffer.from('l'), ...value.map(bencode), Buffer.from('e')]);
  const keys = Object.keys(value).sort(); // bencode dictionaries are sorted by key
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap((key) => [bencode(key), bencode(value[key])]), Buffer.from('e')]);
}

export class BencodeError extends Error {
  constructor(reason: string) {
    super(`bad bencode: ${reason}`);
    this.name = 'BencodeError';
  }
}

/** Decodes one value; byte strings come back as UTF-8 strings (all ng replies are text). */
export function bdecode(input: Buffer): BValue {
  let at = 0;
  const parse = (): BValue => {
    const c = input[at];
    if (c === 0x69 /* i */) {
      const end = input.indexOf(0x65, at);
      if (end < 0) throw new BencodeError('unterminated integer');
      const value = Number(input.subarray(at + 1, end).toString());
      at = end + 1;
      return value;
    }
    if (c === 0x6c /* l */) {
      at++;
      const list: BValue[] = [];
      while (input[at] !== 0x65) list.push(parse());
      at++;
      return list;
    }
    if (c === 0x64 /* d */) {
      at++;
      const dict: { [key: string]: BValue } = {};
      while (input[at] !== 0x65) {
        const key = parse();
        if (typeof key !== 'string') throw new BencodeError('dictionary key is not a string');
        dict[key] = parse();
      }
      at++;
      return dict;
    }
    const colon = input.indexOf(0x3a, at);
    if (colon < 0 || c === undefined) throw new BencodeError(`unexpected byte at ${at}`);
    const length = Number(input.subarray(at, colon).toString());
    const text = input.subarray(colon + 1, colon + 1 + length).toString('utf8');
    at = colon + 1 + length;
    return text;
  };
  return parse();
}
