// Injected by esbuild (scripts/build.mjs) where bundled CommonJS code reads __dirname or __filename.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const __filename = fileURLToPath(import.meta.url);
export const __dirname = dirname(__filename);
