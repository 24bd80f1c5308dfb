import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, test } from 'vitest';
import { DemuxStream, TarFirstFile } from '../../../src/docker/streams.js';

const frame = (type: 1 | 2, payload: string) => {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
};

/** Splits a buffer into pieces of `size` bytes, as a socket may deliver it. */
const pieces = (buffer: Buffer, size: number) => Array.from({ length: Math.ceil(buffer.length / size) }, (_, i) => buffer.subarray(i * size, (i + 1) * size));

describe('DemuxStream', () => {
  test('passes stdout on and hands stderr aside, whatever the chunk boundaries', async () => {
    const raw = Buffer.concat([frame(1, 'line one\n'), frame(2, 'oops\n'), frame(1, 'line two\n'), frame(1, '')]);
    for (const size of [1, 3, 7, 8, 9, raw.length]) {
      const stderr: string[] = [];
      const out = Readable.from(pieces(raw, size)).pipe(new DemuxStream((c) => stderr.push(c.toString())));
      expect(await text(out)).toBe('line one\nline two\n');
      expect(stderr.join('')).toBe('oops\n');
    }
  });

  test('an unframed (TTY) stream passes through unchanged', async () => {
    const out = Readable.from([Buffer.from('plain text from a tty\n')]).pipe(new DemuxStream());
    expect(await text(out)).toBe('plain text from a tty\n');
  });
});

function tarHeader(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write(type, 156);
  h.write('ustar\0', 257);
  return h;
}
const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

describe('TarFirstFile', () => {
  test("gives the first regular file's content, skipping a pax header, across odd chunk sizes", async () => {
    const pax = Buffer.from('30 path=var/log/higress/gateway.log\n');
    const content = Buffer.from('x'.repeat(1000) + '\nlast line\n');
    const tar = Buffer.concat([
      tarHeader('PaxHeaders/gateway.log', pax.length, 'x'),
      pax,
      pad(pax.length),
      tarHeader('gateway.log', content.length, '0'),
      content,
      pad(content.length),
      Buffer.alloc(1024),
    ]);
    for (const size of [1, 100, 511, 512, 513, tar.length]) {
      expect(await text(Readable.from(pieces(tar, size)).pipe(new TarFirstFile()))).toBe(content.toString());
    }
  });

  test('an empty file gives nothing; a symbolic link is an error', async () => {
    expect(await text(Readable.from([Buffer.concat([tarHeader('empty.log', 0, '0'), Buffer.alloc(1024)])]).pipe(new TarFirstFile()))).toBe('');
    const link = Readable.from([Buffer.concat([tarHeader('gateway.log', 0, '2'), Buffer.alloc(1024)])]).pipe(new TarFirstFile());
    await expect(text(link)).rejects.toThrow(/symbolic link/);
  });
});
