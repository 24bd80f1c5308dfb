// Gateway double (TEST EQUIPMENT, not product): the in-container API server's file storage.
// Mirrors docs contract section 3: each /data/<kind>/ folder is watched (not recursively); only names ending
// in `.yaml` count; a create or write marks the file pending and it is (re)loaded once quiet for 100 ms; a
// rename-away or remove deletes the resource. Every load/delete bumps reloadCount and logs
// `<time> event ADDED|MODIFIED|DELETED <kind> higress-system/<name> resourceVersion=<rv>` to apiserver.log.
//
// fs.watch reports 'rename' for create, move-in, move-out and delete alike, so a 'rename' is told apart by
// whether the file exists. It reports 'change' for both writes and attribute changes (`touch`); the real
// watcher ignores the latter, so a load triggered only by 'change' events whose content is byte-identical to
// the loaded version is treated as an attribute change and dropped (limitation: an in-place rewrite with
// identical bytes is not a reload here, it is one in the real gateway).
// Files are decoded as the real apiserver decodes them (YAML 1.1, typed metadata): see ./yaml11.mjs. A changed
// file that fails to decode sends no event, so the previous version stays (higress-standalone
// src/apiserver/pkg/registry/file_rest.go:210-220); the double also logs an error line (the real one is silent).
// Limitation: when listing (start-up, relist) the real apiserver fails the whole kind on one undecodable file
// (file_rest.go:626-641); the double skips just that file.
import fs from 'node:fs';
import path from 'node:path';
import { decodeResource } from './yaml11.mjs';

export const QUIET_MS = 100;
const MAX_EVENTS = 200;

export class Store {
  /** @param {{dataDir: string, apiserverLog: string}} opts */
  constructor({ dataDir, apiserverLog }) {
    this.dataDir = dataDir;
    this.apiserverLog = apiserverLog;
    this.resources = new Map(); // "<kind>/<name>" -> { kind, name, obj, text }
    this.pending = new Map(); // "<kind>/<name>" -> { timer, created }
    this.reloadCount = 0;
    this.events = [];
    this.watchers = [];
  }

  log(line) {
    fs.appendFileSync(this.apiserverLog, `${new Date().toISOString()} ${line}\n`);
  }

  kinds() {
    return fs
      .readdirSync(this.dataDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'logs')
      .map((d) => d.name)
      .sort();
  }

  /** Reads every resource present at start (no events: this is the initial list, not a reload). */
  loadAll() {
    let count = 0;
    for (const kind of this.kinds()) {
      for (const file of fs.readdirSync(path.join(this.dataDir, kind)).sort()) {
        if (!file.endsWith('.yaml')) continue;
        const name = file.slice(0, -'.yaml'.length);
        const text = fs.readFileSync(path.join(this.dataDir, kind, file), 'utf8');
        const obj = this.parse(kind, name, text);
        if (obj) {
          this.resources.set(`${kind}/${name}`, { kind, name, obj, text });
          count++;
        }
      }
    }
    this.log(`loaded ${count} resources from ${this.dataDir}`);
  }

  watchAll() {
    for (const kind of this.kinds()) {
      const dir = path.join(this.dataDir, kind);
      const watcher = fs.watch(dir, (eventType, filename) => this.onFsEvent(kind, dir, eventType, filename));
      watcher.on('error', (err) => this.log(`error watching ${dir}: ${err.message}`));
      this.watchers.push(watcher);
    }
    this.log(`watching ${this.kinds().join(', ')}`);
  }

  onFsEvent(kind, dir, eventType, filename) {
    if (!filename || !filename.endsWith('.yaml')) return;
    const name = filename.slice(0, -'.yaml'.length);
    const file = path.join(dir, filename);
    if (eventType === 'rename' && !fs.existsSync(file)) {
      this.remove(kind, name);
    } else {
      this.markPending(kind, name, file, eventType === 'rename');
    }
  }

  markPending(kind, name, file, created) {
    const key = `${kind}/${name}`;
    const prev = this.pending.get(key);
    if (prev) clearTimeout(prev.timer);
    const entry = { created: created || Boolean(prev?.created) };
    entry.timer = setTimeout(() => {
      this.pending.delete(key);
      this.load(kind, name, file, entry.created);
    }, QUIET_MS);
    this.pending.set(key, entry);
  }

  load(kind, name, file, created) {
    const key = `${kind}/${name}`;
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') return; // gone again: its 'rename' event deletes it
      this.log(`error reading ${kind} higress-system/${name}: ${err.message}`);
      return;
    }
    const prev = this.resources.get(key);
    if (prev && !created && prev.text === text) return; // attribute change only (e.g. touch)
    const obj = this.parse(kind, name, text);
    if (!obj) return; // unparseable: keep the previous version
    this.resources.set(key, { kind, name, obj, text });
    this.record(prev ? 'MODIFIED' : 'ADDED', kind, name, obj);
  }

  remove(kind, name) {
    const key = `${kind}/${name}`;
    const pending = this.pending.get(key);
    if (pending) {
      clearTimeout(pending.timer);
      this.pending.delete(key);
    }
    const prev = this.resources.get(key);
    if (!prev) return;
    this.resources.delete(key);
    this.record('DELETED', kind, name, prev.obj);
  }

  parse(kind, name, text) {
    try {
      // YAML 1.1 and typed-object rules of the real apiserver (./yaml11.mjs); a failure keeps the resource out.
      return decodeResource(text, kind);
    } catch (err) {
      this.log(`error failed to parse ${kind} higress-system/${name}: ${String(err.message).split('\n')[0]}`);
      return undefined;
    }
  }

  record(type, kind, name, obj) {
    this.reloadCount++;
    const time = new Date().toISOString();
    this.events.push({ time, type, kind, name });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    const rv = obj?.metadata?.resourceVersion ?? '';
    fs.appendFileSync(this.apiserverLog, `${time} event ${type} ${kind} higress-system/${name} resourceVersion=${rv}\n`);
  }

  get(kind, name) {
    return this.resources.get(`${kind}/${name}`)?.obj;
  }

  list(kind) {
    return [...this.resources.values()]
      .filter((r) => r.kind === kind)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  state(startedAt) {
    const resources = {};
    for (const [key, r] of [...this.resources.entries()].sort()) resources[key] = r.obj;
    return { startedAt, reloadCount: this.reloadCount, resources, events: this.events.slice(-MAX_EVENTS) };
  }
}
