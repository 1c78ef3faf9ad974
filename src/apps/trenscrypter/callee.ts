// Leg B's callee (reference §4.2): the URI of leg A's To header, not its Request-URI, which the
// proxy may have rewritten to the B2BUA's own address (Flexisip 2.3.3 fix).
import type { NameAddr } from '../../sip/header-values.js';
import type { SipUri } from '../../sip/uri.js';

/**
 * The To URI with its parameters (`;gr=`, `;user=phone`…) kept in order, as Flexisip's
 * `asStringUriOnly`. Its URI headers (`?subject=…`) are dropped: RFC 3261 table 1 forbids them
 * in a Request-URI and a To, where leg B would put this URI.
 */
export function calleeOf(to: NameAddr): SipUri {
  return { ...to.uri, params: new Map(to.uri.params), headers: new Map() };
}

