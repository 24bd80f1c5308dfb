// `start`'s image order when the timezone names no mirror: an image already here wins; else the mirrors are
// asked at once and the fastest goes first, and the user is told which and why.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { imageCandidates } from '../../src/core/lifecycle.js';
import type { StartPlan } from '../../src/core/start-plan.js';
import type { Output } from '../../src/ui/output.js';

const servers: http.Server[] = [];
const serve = (delayMs: number) =>
  new Promise<string>((resolve) => {
    const server = http.createServer((_req, res) => setTimeout(() => res.writeHead(401).end(), delayMs));
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
  });

let slow: string;
let fast: string;
beforeAll(async () => {
  slow = await serve(300);
  fast = await serve(0);
});
afterAll(() => {
  for (const server of servers) server.closeAllConnections(), server.close();
});

function engine(local: string[]): Dockerode {
  return {
    getImage: (ref: string) => ({
      inspect: async () => {
        if (!local.includes(ref)) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return {};
      },
    }),
  } as unknown as Dockerode;
}

function recorder(): Output & { notes: string[] } {
  const notes: string[] = [];
  return { json: false, notes, say: () => {}, note: (line) => void notes.push(line), warn: () => {}, result: () => {} };
}

const plan = (probe: boolean, pull: 'missing' | 'always' = 'missing') =>
  ({
    pull,
    image: { repo: `${slow}/higress/all-in-one`, fallbackRepos: [`${fast}/higress/all-in-one`], tag: 't', probe },
  }) as unknown as StartPlan;

describe('image candidates', () => {
  test('a timezone with a mirror: the planned order, nothing probed', async () => {
    const out = recorder();
    expect(await imageCandidates(engine([]), plan(false), out)).toEqual([`${slow}/higress/all-in-one:t`, `${fast}/higress/all-in-one:t`]);
    expect(out.notes).toEqual([]);
  });

  test('no mirror for the timezone: the fastest registry first, and the note says which and why', async () => {
    const out = recorder();
    expect(await imageCandidates(engine([]), plan(true), out)).toEqual([`${fast}/higress/all-in-one:t`, `${slow}/higress/all-in-one:t`]);
    expect(out.notes).toEqual([expect.stringMatching(new RegExp(`^Mirror: +${fast} answered first \\(\\d+ ms; ${slow} \\d+ ms\\)$`))]);
  });

  test('an image already here is used without asking anyone (unless --pull always)', async () => {
    const out = recorder();
    expect((await imageCandidates(engine([`${slow}/higress/all-in-one:t`]), plan(true), out))[0]).toBe(`${slow}/higress/all-in-one:t`);
    expect(out.notes).toEqual([]);
    expect((await imageCandidates(engine([`${slow}/higress/all-in-one:t`]), plan(true, 'always'), out))[0]).toBe(`${fast}/higress/all-in-one:t`);
  });
});
