#!/usr/bin/env node
// Thin launcher: the daemon lives in dist/src/cli (compiled TypeScript).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
