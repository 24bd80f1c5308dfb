/**
 * Streaming readers for what lives inside the container, with backpressure: a 100 MB log is read
 * chunk by chunk, never buffered whole.
 */
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Splits the Engine API's multiplexed framing (8-byte header: stream type, 3 zero bytes, big-endian
 * length): stdout payloads flow on, stderr payloads go to `onStderr`.
 */
export class DemuxStream extends Transform {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onStderr: (chunk: Buffer) => void = () => {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buffer.length >= 8) {
      const type = buffer[0]!;
      const length = buffer.readUInt32BE(4);
      if (type > 2 || buffer[1] !== 0 || buffer[2] !== 0 || buffer[3] !== 0) {
        // Not framed (a TTY stream): pass everything through as it is.
        this.push(buffer);
        buffer = Buffer.alloc(0);
        break;
      }
      if (buffer.length < 8 + length) break;
      const payload = buffer.subarray(8, 8 + length);
      if (type === 2) this.onStderr(Buffer.from(payload));
      else this.push(Buffer.from(payload));
      buffer = buffer.subarray(8 + length);
    }
    this.pending = Buffer.from(buffer);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending.length > 0) this.push(this.pending);
    this.pending = Buffer.alloc(0);
    callback();
  }
}

/**
 * Passes on the content of the first regular file of a tar stream (what the archive endpoint returns
 * for one file), skipping pax and GNU long-name headers. Errors on a tar whose first entry is not a file.
 */
export class TarFirstFile extends Transform {
  private header: Buffer = Buffer.alloc(0);
  /** Bytes of the current entry's body still to pass (emit) or skip. */
  private remaining = 0;
  private padding = 0;
  private emitting = false;
  private done = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let data = chunk;
    while (data.length > 0 && !this.done) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, data.length);
        if (this.emitting) this.push(Buffer.from(data.subarray(0, take)));
        this.remaining -= take;
        data = data.subarray(take);
        if (this.remaining === 0 && this.emitting) this.done = true;
        continue;
      }
      if (this.padding > 0) {
        const take = Math.min(this.padding, data.length);
        this.padding -= take;
        data = data.subarray(take);
        continue;
      }
      const need = 512 - this.header.length;
      this.header = Buffer.concat([this.header, data.subarray(0, need)]);
      data = data.subarray(need);
      if (this.header.length < 512) break;
      const header = this.header;
      this.header = Buffer.alloc(0);
      if (header.every((b) => b === 0)) {
        this.done = true;
        break;
      }
      const size = tarNumber(header.subarray(124, 136));
      const type = String.fromCharCode(header[156]!);
      if (type === '0' || type === '\0' || type === '7') {
        this.emitting = true;
        this.remaining = size;
        if (size === 0) this.done = true;
      } else if (['x', 'g', 'L', 'K'].includes(type)) {
        this.remaining = size;
        this.padding = (512 - (size % 512)) % 512;
        // The padding is skipped after the body: remaining first, then padding.
      } else {
        callback(new Error(type === '2' ? 'the file is a symbolic link' : 'not a regular file'));
        return;
      }
    }
    callback();
  }
}

function tarNumber(field: Buffer): number {
  if (field[0]! & 0x80) return field.subarray(1).reduce((n, byte) => n * 256 + byte, 0);
  const end = field.indexOf(0);
  const text = field.subarray(0, end < 0 ? field.length : end).toString('ascii').trim();
  return parseInt(text || '0', 8);
}
