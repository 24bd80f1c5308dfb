import { readFileSync } from 'node:fs';
import { packageFile } from './package-files.js';

export const CLI_VERSION = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
