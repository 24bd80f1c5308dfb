// vitest globalSetup of the e2e project: provisions the real test bed (Docker engine, local registry,
// gateway double image) with test/bed/provision.sh. Never skips: a bed that cannot be provisioned fails the
// run with the script's reason.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default function setup(): void {
  const script = path.join(root, 'test', 'bed', 'provision.sh');
  const result = spawnSync('bash', [script], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) throw new Error(`cannot run ${script}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`test bed provisioning failed (${script} exited ${result.status ?? result.signal}); see its output above`);
  }
}
