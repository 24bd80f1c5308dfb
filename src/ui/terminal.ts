/**
 * Standard output and error without Node's stream objects. `process.stdout` is made on first use and loads
 * tty, net and the stream modules to make it: 2-3 ms, a twentieth of a bare Node start, on every command that
 * prints a line. Writes here go straight to the file descriptor; whether it is a terminal is asked of the file
 * first, so that a pipe or a file never loads them.
 */
import { fstatSync, statSync, writeSync } from 'node:fs';

type Fd = 1 | 2;

const streamOf = (fd: Fd) => (fd === 1 ? process.stdout : process.stderr);
const viaStream = new Set<Fd>();
const closed = new Set<Fd>();

/**
 * Writes all of `text` now. A descriptor that cannot take it now (EAGAIN: a full non-blocking pipe) gets it, and
 * what follows, through Node's stream, which queues it; a closed pipe (EPIPE: `| head`) gets nothing more.
 */
export function write(fd: Fd, text: string): void {
  if (closed.has(fd)) return;
  if (viaStream.has(fd)) {
    streamOf(fd).write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        closed.add(fd);
        return;
      }
      if (code !== 'EAGAIN') throw error;
      viaStream.add(fd);
      if (process.env.GET_AI_GATEWAY_DEBUG && fd === 1) write(2, 'debug: standard output is full (EAGAIN): the rest goes through Node\'s stream\n');
      streamOf(fd).write(bytes.subarray(offset));
      return;
    }
  }
}

/** Resolves once what went through Node's streams is written out: process.exit() would drop the rest. */
export async function flushed(): Promise<void> {
  for (const fd of viaStream) await new Promise<void>((resolve) => streamOf(fd).write('', () => resolve()));
}

const terminal = new Map<Fd, boolean>();

/** Whether the descriptor is a terminal: a pipe, a file or /dev/null is told from its stat, without loading tty. */
export function isTerminal(fd: Fd): boolean {
  let answer = terminal.get(fd);
  if (answer === undefined) {
    answer = looksLikeTerminal(fd) && Boolean(streamOf(fd).isTTY);
    terminal.set(fd, answer);
  }
  return answer;
}

function looksLikeTerminal(fd: Fd): boolean {
  try {
    const stat = fstatSync(fd);
    if (!stat.isCharacterDevice()) return false;
    // /dev/null is a character device too (output thrown away, as by `stdio: 'ignore'`).
    const devNull = statSync('/dev/null', { throwIfNoEntry: false });
    return !(devNull && devNull.rdev === stat.rdev);
  } catch {
    return true; // not known from here: Node's stream decides
  }
}
