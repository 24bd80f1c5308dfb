import { PassThrough, Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import {
  containerLogsTail,
  demuxBuffer,
  execInContainer,
  firstTarEntry,
  readFileInContainer,
} from '../../../src/docker/container-io.js';

/** One frame of the Engine API's multiplexed stream. */
function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** A one-entry tar archive (checksums are not checked by the reader). */
function tar(name: string, content: string, type = '0', linkName = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124);
  header.write(type, 156);
  header.write(linkName, 157);
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

const modem = new Dockerode({ socketPath: '/nonexistent.sock' }).modem;
const notFound = () => Object.assign(new Error('not found'), { statusCode: 404 });

describe('demuxBuffer', () => {
  it('splits stdout and stderr and keeps their order in `all`', () => {
    const out = demuxBuffer(Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c\n')]));
    expect(out.stdout.toString()).toBe('a\nc\n');
    expect(out.stderr.toString()).toBe('b\n');
    expect(out.all.toString()).toBe('a\nb\nc\n');
  });

  it('keeps unframed bytes instead of dropping them', () => {
    expect(demuxBuffer(Buffer.from('plain text log\n')).all.toString()).toBe('plain text log\n');
  });
});

describe('containerLogsTail', () => {
  it('asks for the tail and demultiplexes it', async () => {
    let asked: unknown;
    const docker = {
      getContainer: () => ({
        inspect: async () => ({ Config: { Tty: false } }),
        logs: async (opts: unknown) => {
          asked = opts;
          return Buffer.concat([frame(1, 'started\n'), frame(2, 'warning\n')]);
        },
      }),
    } as unknown as Dockerode;
    expect(await containerLogsTail(docker, 'c', 50)).toBe('started\nwarning\n');
    expect(asked).toEqual({ stdout: true, stderr: true, tail: 50, follow: false });
  });

  it('returns a TTY log as it is', async () => {
    const docker = {
      getContainer: () => ({ inspect: async () => ({ Config: { Tty: true } }), logs: async () => ({ a: 1 }) }),
    } as unknown as Dockerode;
    expect(await containerLogsTail(docker, 'c', 1)).toBe('{"a":1}');
  });
});

describe('execInContainer', () => {
  it('collects both streams and the exit code', async () => {
    let created: unknown;
    let inspections = 0;
    const exec = {
      start: async () => {
        const stream = new PassThrough();
        setImmediate(() => stream.end(Buffer.concat([frame(1, 'moved\n'), frame(2, 'note\n')])));
        return stream;
      },
      // The engine may still report Running for a moment after the stream ends.
      inspect: async () => (++inspections < 2 ? { Running: true, ExitCode: null } : { Running: false, ExitCode: 3 }),
    };
    const docker = {
      modem,
      getContainer: () => ({
        exec: async (opts: unknown) => {
          created = opts;
          return exec;
        },
      }),
    } as unknown as Dockerode;
    const result = await execInContainer(docker, 'c', ['mv', '/data/a.tmp', '/data/a.yaml']);
    expect(result).toEqual({ exitCode: 3, stdout: 'moved\n', stderr: 'note\n' });
    expect(created).toEqual({ Cmd: ['mv', '/data/a.tmp', '/data/a.yaml'], AttachStdout: true, AttachStderr: true, Tty: false });
  });

  it('says the container is not running on 409', async () => {
    const docker = {
      getContainer: () => ({ exec: async () => Promise.reject(Object.assign(new Error('x'), { statusCode: 409 })) }),
    } as unknown as Dockerode;
    await expect(execInContainer(docker, 'c', ['true'])).rejects.toThrow('container c is not running');
  });
});

describe('readFileInContainer', () => {
  function docker(files: Record<string, Buffer>, containerExists = true) {
    return {
      getContainer: () => ({
        getArchive: async ({ path }: { path: string }) => {
          if (!files[path]) throw notFound();
          return Readable.from([files[path]]);
        },
        inspect: async () => {
          if (!containerExists) throw notFound();
          return {};
        },
      }),
    } as unknown as Dockerode;
  }

  it('reads a file, following a symbolic link', async () => {
    const d = docker({
      '/data/a.yaml': tar('a.yaml', 'kind: WasmPlugin\n'),
      '/data/link.yaml': tar('link.yaml', '', '2', 'a.yaml'),
    });
    expect(await readFileInContainer(d, 'c', '/data/a.yaml')).toBe('kind: WasmPlugin\n');
    expect(await readFileInContainer(d, 'c', '/data/link.yaml')).toBe('kind: WasmPlugin\n');
  });

  it('returns undefined for a missing file but fails for a missing container', async () => {
    expect(await readFileInContainer(docker({}), 'c', '/nope')).toBeUndefined();
    await expect(readFileInContainer(docker({}, false), 'c', '/nope')).rejects.toThrow('container c not found');
  });

  it('skips pax headers in the archive', () => {
    const pax = tar('PaxHeaders/a', '30 mtime=1700000000.123456789\n', 'x');
    const archive = Buffer.concat([pax.subarray(0, 1024), tar('a', 'hello')]);
    expect(firstTarEntry(archive)).toEqual({ kind: 'file', content: Buffer.from('hello') });
  });
});
