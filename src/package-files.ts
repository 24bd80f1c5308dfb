/**
 * Files shipped beside the code (package.json, templates/). This module sits one level below the package
 * root both as source (src/) and in the bundle (dist/cli.js, where the build defines import.meta.url as its
 * own URL), so one relative URL serves both.
 */
import { fileURLToPath } from 'node:url';

export const packageFile = (rel: string): string => fileURLToPath(new URL(`../${rel}`, import.meta.url));
