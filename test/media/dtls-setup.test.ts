// RFC 5763 §5 / RFC 4145 §4 a=setup negotiation: every offer/answer pair and the role it gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsSetupError, answerSetup, dtlsRole } from '../../src/media/dtls-setup.js';

test('the answerer picks a role opposite to what the offer allows', () => {
  assert.equal(answerSetup('actpass'), 'active');
  assert.equal(answerSetup('passive'), 'active');
  assert.equal(answerSetup('active'), 'passive');
  assert.equal(answerSetup('holdconn'), 'holdconn');
});

test('both ends of each negotiation get opposite DTLS roles', () => {
  for (const offer of ['actpass', 'active', 'passive'] as const) {
    const answer = answerSetup(offer);
    const offerer = dtlsRole(offer, answer);
    const answerer = dtlsRole(answer, offer);
    assert.ok(offerer && answerer);
    assert.notEqual(offerer, answerer, `${offer}/${answer}`);
  }
  assert.equal(dtlsRole('actpass', 'active'), 'passive'); // Linphone answering our offer as client
});

test('holdconn starts no handshake; conflicting roles are an error', () => {
  assert.equal(dtlsRole('actpass', 'holdconn'), undefined);
  assert.equal(dtlsRole('holdconn', 'active'), undefined);
  assert.throws(() => dtlsRole('active', 'active'), DtlsSetupError);
  assert.throws(() => dtlsRole('actpass', 'actpass'), DtlsSetupError);
});
