export interface Packed {
  tarball: string;
  packedBytes: number;
  unpackedBytes: number;
  files: string[];
}
export interface Installed {
  project: string;
  /** npm's output */
  output: string;
  seconds: number;
  /** every package in the project's node_modules (paths from its lock file) */
  packages: string[];
  /** bytes of every file under node_modules */
  bytes: number;
  /** packages that have an install script or a native build */
  withInstallScripts: string[];
  /** node_modules/.bin/get-ai-gateway */
  bin: string;
}
export function packRepository(destination?: string): Packed;
export function installTarball(tarball: string): Installed;
