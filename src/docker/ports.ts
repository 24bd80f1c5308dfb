import net from 'node:net';

/**
 * False when something already listens on host:port. A specific address is also checked against the
 * wildcard (and the wildcard against loopback), since Docker's publish would clash with either.
 * Errors other than EADDRINUSE (e.g. EACCES on a low port) are left for the engine to report.
 */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  const ipv6 = host.includes(':');
  const any = ipv6 ? '::' : '0.0.0.0';
  const wildcard = host === any || host === '';
  const hosts = wildcard ? [any, ipv6 ? '::1' : '127.0.0.1'] : [host, any];
  for (const candidate of new Set(hosts)) {
    if ((await tryListen(candidate, port)) === 'in-use') return false;
  }
  return true;
}

/** The ports of `ports` that are taken on host, in the given order, without duplicates. */
export async function findBusyPorts(host: string, ports: number[]): Promise<number[]> {
  const busy: number[] = [];
  for (const port of new Set(ports)) {
    if (!(await isPortFree(host, port))) busy.push(port);
  }
  return busy;
}

function tryListen(host: string, port: number): Promise<'free' | 'in-use' | 'unknown'> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'EADDRINUSE' ? 'in-use' : 'unknown');
    });
    server.once('listening', () => server.close(() => resolve('free')));
    server.listen({ host, port, exclusive: true });
  });
}
