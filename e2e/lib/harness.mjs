// Processes and helpers shared by the end-to-end test and the app benchmark: free
// ports, child processes that are always cleaned up, the demo server (stoppable and
// restartable on the same port and database), tauri-driver, the app launcher, the
// Outpost HTTP API as a second agent sees it, condition waits and screenshots.

import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Session } from './webdriver.mjs';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const TARGET = process.env.CARGO_TARGET_DIR || '/var/tmp/outpost-target';
export const DEMO_PASSWORD = 'outpost-demo';

export function log(...args) {
  const t = new Date().toISOString().slice(11, 23);
  console.log(`[${t}]`, ...args);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function requireFile(file, hint) {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} not found; ${hint}`);
  }
  return file;
}

/** The binary on PATH (or ~/.cargo/bin, where `cargo install` puts it), else null. */
export function which(name) {
  const dirs = (process.env.PATH || '').split(':').concat(path.join(process.env.HOME || '/root', '.cargo/bin'));
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

// Child processes.

const children = new Set();

/**
 * Starts a child with stdout and stderr appended to `<logDir>/<name>.log`. Every
 * child is killed when this process exits, also on an exception or a signal.
 */
export function start(name, cmd, args, { env = {}, logDir }) {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.name = name;
  child.logFile = logFile;
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
    child.on('error', (e) => {
      children.delete(child);
      resolve({ code: null, signal: null, error: e });
    });
  });
  children.add(child);
  return child;
}

export async function stop(child, signal = 'SIGTERM', graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const done = await Promise.race([child.exited, sleep(graceMs).then(() => null)]);
  if (!done) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function killAll() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]);
  });
}

// Waiting.

export class TimeoutError extends Error {}

/**
 * Polls `probe` until it returns a truthy value (returned) or `timeoutMs` passes; the
 * error names what was awaited and the last value seen, so a CI log says which
 * condition never came true. Errors thrown by the probe count as "not yet" until the
 * end, then the last one is reported.
 */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (last) return last;
    } catch (e) {
      // A probe that knows the wait is hopeless (say, the sign-in failed) ends it.
      if (e.fatal) throw e;
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const seen = lastError ? `last error: ${lastError.message}` : `last value: ${JSON.stringify(last)}`;
      throw new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
    }
    await sleep(intervalMs);
  }
}

export async function waitForHttp(url, what, timeoutMs = 30_000, child) {
  return waitFor(
    what,
    async () => {
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        throw new Error(`${child.name} exited (${child.exitCode ?? child.signalCode}); log:\n${tail(child.logFile)}`);
      }
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return res.status < 500;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

// The demo server.

/** `outpost-server demo` into a fresh SQLite file. */
export async function makeDemoDb(serverBin, dbPath, { tickets, messagesPerTicket, logDir }) {
  const args = ['demo', '--database-url', `sqlite://${dbPath}?mode=rwc`, '--tickets', String(tickets)];
  if (messagesPerTicket) args.push('--messages-per-ticket', String(messagesPerTicket));
  const child = start('demo', serverBin, args, { env: { OUTPOST_LOG: 'warn' }, logDir });
  const { code, signal } = await child.exited;
  if (code !== 0) {
    throw new Error(`outpost-server demo failed (${code ?? signal}):\n${tail(child.logFile)}`);
  }
}

/**
 * `outpost-server admin api-key create`: a key acting as `email` of `tenant` (what a
 * helpdesk administrator hands an agent who signs in through a connector).
 */
export function createApiKey(serverBin, dbPath, { tenant, email, name = 'e2e', scopes = 'tickets:read,tickets:write' }) {
  const args = ['admin', '--database-url', `sqlite://${dbPath}?mode=rwc`, 'api-key', 'create'];
  args.push('--tenant', tenant, '--email', email, '--name', name, '--scopes', scopes);
  return new Promise((resolve, reject) => {
    execFile(serverBin, args, { env: { ...process.env, OUTPOST_LOG: 'warn' } }, (err, stdout, stderr) => {
      const key = stdout.trim();
      if (err || !key) reject(new Error(`outpost-server admin api-key create failed: ${err?.message ?? 'no key printed'}\n${stderr}`));
      else resolve(key);
    });
  });
}

/**
 * One `outpost-server serve` on a fixed port and database, stoppable and restartable;
 * `apis` limits the route families it offers (`ondi`: a server a connector talks to).
 */
export class DemoServer {
  constructor(bin, dbPath, port, logDir, name = 'server', { apis = null } = {}) {
    this.bin = bin;
    this.dbPath = dbPath;
    this.port = port;
    this.logDir = logDir;
    this.name = name;
    this.apis = apis;
    this.url = `http://127.0.0.1:${port}`;
    this.child = null;
  }

  async start(timeoutMs = 30_000) {
    this.child = start(
      this.name,
      this.bin,
      [
        'serve',
        '--database-url',
        `sqlite://${this.dbPath}?mode=rwc`,
        '--bind',
        `127.0.0.1:${this.port}`,
        ...(this.apis ? ['--apis', this.apis] : []),
      ],
      { env: { OUTPOST_LOG: process.env.OUTPOST_LOG || 'info', OUTPOST_RATE_LIMIT: '0' }, logDir: this.logDir },
    );
    await waitForHttp(`${this.url}/healthz`, `${this.name} on ${this.url}`, timeoutMs, this.child);
  }

  /** SIGKILL: the network is gone at once, open connections and the event stream die. */
  async kill() {
    await stop(this.child, 'SIGKILL');
    this.child = null;
  }
}

// The API, as another agent.

export class Api {
  constructor(base) {
    this.base = base;
  }

  async req(method, p, { token, body } = {}) {
    const res = await fetch(this.base + p, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p} -> HTTP ${res.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : null;
  }

  async login(email, tenant = 'demo') {
    const r = await this.req('POST', '/auth/v1/login', { body: { email, password: DEMO_PASSWORD, tenant } });
    if (!r.access_token) throw new Error(`login of ${email}: no access_token in ${JSON.stringify(r)}`);
    return r.access_token;
  }

  /** POST /sync/v1/mutations with a fresh client id; returns the results. */
  async push(token, ops) {
    const body = {
      client_id: randomUUID(),
      mutations: ops.map((op, i) => ({ seq: i + 1, id: randomUUID(), name: op.name, args: op.args })),
    };
    const r = await this.req('POST', '/sync/v1/mutations', { token, body });
    return r.results;
  }

  /**
   * The tenant as `token` sees it now: every ticket (by number) and message, from a
   * full pull. The change log holds one row per entity in its current state, so a
   * message delivered twice would show up as two messages here.
   */
  async snapshot(token) {
    const tickets = new Map();
    const messages = new Map();
    const users = new Map();
    let cursor = '0';
    for (;;) {
      const page = await this.req('GET', `/sync/v1/changes?cursor=${encodeURIComponent(cursor)}&limit=5000`, { token });
      for (const c of page.changes) {
        if (c.entity === 'ticket') tickets.set(c.data.number, c.data);
        else if (c.entity === 'message') messages.set(c.data.id, c.data);
        else if (c.entity === 'user') users.set(c.data.id, c.data);
        else if (c.entity === 'tombstone' && c.data.kind === 'message') messages.delete(c.data.id);
      }
      cursor = page.cursor;
      if (!page.has_more) break;
    }
    return { tickets, messages: [...messages.values()], users };
  }
}

// The app.

/**
 * A launcher script for WebKitWebDriver: records the spawn time (ms since the epoch)
 * and the app's pid, sets the app's environment and execs the binary (so the pid is
 * the app's). tauri-driver passes the launcher to WebKitWebDriver as the browser
 * binary; going through a script gives every session its own profile and server
 * without restarting the driver.
 */
export function writeLauncher(dir, appBin, env) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'launch-app.sh');
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}='${String(v).replaceAll("'", "'\\''")}'`)
    .join('\n');
  fs.writeFileSync(
    file,
    `#!/bin/sh
date +%s%3N >'${dir}/spawned-at'
echo $$ >'${dir}/app.pid'
${exports}
exec '${appBin}' "$@" >>'${dir}/app.log' 2>&1
`,
    { mode: 0o755 },
  );
  return file;
}

export class Driver {
  constructor(logDir) {
    this.logDir = logDir;
  }

  async start() {
    const bin = which('tauri-driver');
    if (!bin) throw new Error('tauri-driver not found on PATH or in ~/.cargo/bin; run: cargo install tauri-driver --locked');
    if (!which('WebKitWebDriver')) {
      throw new Error('WebKitWebDriver not found; run: sudo apt-get install webkit2gtk-driver');
    }
    this.port = await freePort();
    this.nativePort = await freePort();
    this.child = start('tauri-driver', bin, ['--port', String(this.port), '--native-port', String(this.nativePort)], {
      logDir: this.logDir,
    });
    this.url = `http://127.0.0.1:${this.port}`;
    await waitForHttp(`${this.url}/status`, 'tauri-driver and WebKitWebDriver', 30_000, this.child);
  }

  async session(launcher, args = []) {
    return Session.create(this.url, { application: launcher, args });
  }

  async stop() {
    await stop(this.child);
  }
}

// Screenshots.

export class Shots {
  constructor(dir) {
    this.dir = dir;
    this.n = 0;
    fs.mkdirSync(dir, { recursive: true });
  }

  async take(session, name) {
    this.n += 1;
    const file = path.join(this.dir, `${String(this.n).padStart(2, '0')}-${name}.png`);
    try {
      // The app paints on the CPU (src-tauri/src/rendering.rs), and there WebKit's
      // WebDriver snapshot waits for the page's next paint: a page at rest (the
      // sign-in form before anyone types) would never give one. A second of
      // invisible repaints (opacity 0.999 and back) gives it one.
      await session.exec(`const e = document.documentElement; let n = 0;
        const t = setInterval(() => { e.style.opacity = n++ % 2 ? '' : '0.999'; if (n > 20) { clearInterval(t); e.style.opacity = ''; } }, 50);`);
      fs.writeFileSync(file, await session.screenshot());
      log(`screenshot ${path.relative(REPO, file)}`);
    } catch (e) {
      log(`screenshot ${name} failed: ${e.message}`);
    }
    return file;
  }
}

// The page cache.

/** Libraries and helper programs of WebKitGTK 4.1 (what a cold start reads besides the app). */
export const WEBKIT_FILES = [
  '/usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0',
  '/usr/lib/x86_64-linux-gnu/libjavascriptcoregtk-4.1.so.0',
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1',
];

/**
 * Drop `paths` (files, or every file under a directory) from the page cache, as after a
 * reboot: written-back first (`sync FILE`), then `dd iflag=nocache count=0`, which asks
 * the kernel to forget the file's clean pages. Pages mapped by a running process stay.
 */
export function dropFromPageCache(paths) {
  const files = [];
  const walk = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else if (st.isFile()) files.push(fs.realpathSync(p));
  };
  paths.forEach(walk);
  if (!files.length) return 0;
  execFileSync('sync', files);
  for (const f of files) execFileSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
  return files.length;
}

// /proc memory.

/** pid and every descendant (WebKit's web and network processes are the app's children). */
export function processTree(root) {
  const parent = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      // comm may contain spaces and parentheses: the fields after the last ')' are fixed.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(rest[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** RSS and PSS (KiB) of each process of the tree, from smaps_rollup. */
export function memory(root) {
  const procs = [];
  for (const pid of processTree(root)) {
    try {
      const roll = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (k) => Number((roll.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1] || 0);
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      // Pss_Anon is the process's own heap and stacks; Pss_File its share of mapped
      // files (libraries, and SQLite's file if it were mapped); Pss_Shmem shared memory
      // (WebKit's buffers between processes).
      procs.push({
        pid,
        comm,
        rssKiB: kb('Rss'),
        pssKiB: kb('Pss'),
        anonKiB: kb('Pss_Anon'),
        fileKiB: kb('Pss_File'),
        shmemKiB: kb('Pss_Shmem'),
      });
    } catch {
      // exited meanwhile
    }
  }
  return {
    procs,
    rssMiB: procs.reduce((a, p) => a + p.rssKiB, 0) / 1024,
    pssMiB: procs.reduce((a, p) => a + p.pssKiB, 0) / 1024,
  };
}
