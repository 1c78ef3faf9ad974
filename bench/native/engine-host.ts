// Hosts our MediaEngine (one media thread) for the capacity benchmark, behind the same line protocol
// as the bare relay: `call <genA> <genB> <aTx> <aRx> <bTx> <bRx>` -> `ports <relayA> <relayB>`, then
// `go` -> `running`. Each call is one bridge with an audio stream, SDES-SRTP on both legs (--suite
// on leg A, --suite-b on leg B), the generator's ports as the signalled remotes. JS only sets
// bridges up; packets stay in the addon. `running` carries the native bytes per bridge (RSS), and
// `memory` (any time after `go`) answers `memory <bytes>`: malloc's bytes in use per call.
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MediaEngine } from '../../src/media/engine.js';
import { isSrtpSuiteName, type SrtpSuiteName } from '../../src/media/suites.js';
import { loadAddon } from '../../src/native/addon.js';

function suiteArgument(flag: string): SrtpSuiteName {
  const at = process.argv.indexOf(flag);
  const name = at >= 0 ? process.argv[at + 1] : 'AES_CM_128_HMAC_SHA1_80';
  if (!isSrtpSuiteName(name)) throw new TypeError(`unknown suite ${name}`);
  return name;
}
const suiteA = suiteArgument('--suite');
const suiteB = suiteArgument('--suite-b');

const engine = new MediaEngine({ threads: 1, audioPorts: '0', rtpTimeoutMs: 0 });
process.once('SIGTERM', () => {
  engine.close();
  process.exit(0);
});

const key = (base64: string) => Buffer.from(base64, 'base64');
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const { nativeHeapInUse } = loadAddon();
/** After a full GC, so that the key Buffers JS already dropped are not counted. */
function nativeHeap(): number {
  collectGarbage();
  return nativeHeapInUse();
}
// Taken after the first call: libsrtp's and OpenSSL's one-time set-up is not a per-call cost.
let heapAfterFirstCall = 0;
// Native memory per bridge: RSS growth minus the V8 heap's growth (the JS side of a bridge is
// bookkeeping that the B2BUA core would hold anyway).
const before = process.memoryUsage();
let calls = 0;

for await (const line of createInterface({ input: process.stdin })) {
  const [verb, ...words] = line.trim().split(/\s+/);
  if (verb === 'go') {
    const after = process.memoryUsage();
    const native = after.rss - before.rss - (after.heapTotal - before.heapTotal);
    console.log(`running ${Math.round(native / Math.max(calls, 1))}`);
    continue;
  }
  if (verb === 'memory') {
    console.log(`memory ${Math.round((nativeHeap() - heapAfterFirstCall) / Math.max(calls - 1, 1))}`);
    continue;
  }
  if (verb !== 'call') throw new TypeError(`unexpected line: ${line}`);
  const [generatorA, generatorB, aTx, aRx, bTx, bRx] = words;
  const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  bridge.updateLeg(0, 0, {
    mode: 'srtp',
    remote: { address: '127.0.0.1', rtpPort: Number(generatorA) },
    srtp: { suite: suiteA, sendKey: key(aRx), receiveKey: key(aTx) },
  });
  bridge.updateLeg(0, 1, {
    mode: 'srtp',
    remote: { address: '127.0.0.1', rtpPort: Number(generatorB) },
    srtp: { suite: suiteB, sendKey: key(bRx), receiveKey: key(bTx) },
  });
  calls++;
  if (calls === 1) heapAfterFirstCall = nativeHeap();
  const [legA, legB] = bridge.streams[0].legs;
  console.log(`ports ${legA.rtpPort} ${legB.rtpPort}`);
}
