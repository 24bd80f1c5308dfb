import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A hash of a folder tree: every entry's relative path and type, each file's mode and content, each
 * symlink's target (never followed). Equal hashes = nothing created, changed or removed below `root`.
 */
export function hashFolder(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path);
      if (st.isSymbolicLink()) hash.update(`L ${relPath} -> ${readlinkSync(path)}\n`);
      else if (st.isDirectory()) {
        hash.update(`D ${relPath}\n`);
        walk(path, relPath);
      } else {
        hash.update(`F ${relPath} ${(st.mode & 0o777).toString(8)} ${st.size}\n`);
        hash.update(readFileSync(path));
      }
    }
  };
  try {
    const st = lstatSync(root);
    hash.update(st.isDirectory() ? 'root dir\n' : 'root other\n');
  } catch {
    hash.update('root absent\n');
  }
  walk(root, '');
  return hash.digest('hex');
}
