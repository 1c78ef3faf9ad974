#!/usr/bin/env node
// Writes docs/configuration.md from the schema table (run `npx tsc -p tsconfig.json` first).
import { writeFileSync } from 'node:fs';
import { renderConfigurationDoc } from '../dist/src/config/doc.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc());
