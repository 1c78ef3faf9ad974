// The Reason header (RFC 3326) the B2BUA puts on the BYEs and refusals it originates.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../../src/sip/parser.js';
import { reasonHeader } from '../../../src/b2bua/call.js';

it('quotes the text so that a reason with quotes or backslashes still parses as one quoted-string', () => {
  const value = reasonHeader(488, 'a=crypto "AES_X" \\ unknown');
  assert.equal(value, 'SIP;cause=488;text="a=crypto \\"AES_X\\" \\\\ unknown"');
  const bye = parseMessage(
    Buffer.from(
      'BYE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:b@x>;tag=1\r\nTo: <sip:a@x>;tag=2\r\n' +
        `Call-ID: c\r\nCSeq: 2 BYE\r\nReason: ${value}\r\nContent-Length: 0\r\n\r\n`,
    ),
  );
  assert.equal(bye.headers.get('Reason'), value);
});
