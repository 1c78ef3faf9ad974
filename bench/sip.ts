// `npm run bench -- sip`: the SIP parser/serializer against the npm `sip` package, then the
// UAS alone under sipp load. Each part prints its own table.
import { runParseBench } from './sip-parse.js';
import { runUasBench } from './sip-uas.js';

export async function main(args: string[]): Promise<void> {
  const only = args[0];
  if (!only || only === 'parse') await runParseBench();
  if (!only || only === 'uas') await runUasBench(args.slice(1));
}
