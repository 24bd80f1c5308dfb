#!/usr/bin/env node
// The published entry: the bundle in dist/ (npm run build). Node 22.1+ caches the compiled bundle on disk.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/cli.js');
