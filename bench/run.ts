// `npm run bench -- <name> [args]`: runs bench/<name>.ts, which prints its own table.
const [name, ...args] = process.argv.slice(2);
const available = ['sip', 'media', 'handshake', 'cps', 'calls'];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [args]`);
  process.exit(2);
}
const bench = (await import(`./${name}.js`)) as { main(args: string[]): Promise<void> };
await bench.main(args);
