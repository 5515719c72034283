// Runs `talky serve` and `talky worker` for the dashboard's browser test, and talks to the API
// the way a script would (Bearer keys), to set up tenants, campaigns and leads.

import {spawn} from 'node:child_process';
import {createServer} from 'node:net';
import {createWriteStream, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';

// A port nobody listens on right now (the kernel's pick for port 0).
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Polls `check` until it returns something truthy; throws with `what` after `timeoutMs`.
export async function waitFor(what, check, {timeoutMs = 60000, intervalMs = 250} = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
        (lastError ? ` (last error: ${lastError.message})` : ''));
    }
    await sleep(intervalMs);
  }
}

// A child process whose output goes to a log file; stop() sends SIGTERM, then SIGKILL.
export class Child {
  constructor(name, command, args, {dir, env} = {}) {
    this.name = name;
    this.logPath = join(dir, `${name}.log`);
    const log = createWriteStream(this.logPath);
    this.process = spawn(command, args, {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    this.process.stdout.pipe(log);
    this.process.stderr.pipe(log);
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => resolve({code, signal}));
      this.process.on('error', (err) => resolve({code: null, signal: null, error: err}));
    });
    this.exitInfo = null;
    this.exited.then((info) => {
      this.exitInfo = info;
      this.watchdog?.kill('SIGKILL');
    });
    // If this test process dies without stopping the child (killed by a timeout, a crash),
    // a watchdog sends the child SIGTERM within a second, so no server outlives the test.
    if (this.process.pid) {
      this.watchdog = spawn('/bin/sh', ['-c',
        'while kill -0 "$0" 2>/dev/null; do sleep 1; done; kill -TERM "$1" 2>/dev/null',
        String(process.pid), String(this.process.pid)], {stdio: 'ignore', detached: true});
      this.watchdog.unref();
    }
  }

  get running() {
    return this.exitInfo === null;
  }

  log(lines = 40) {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async stop(graceMs = 15000) {
    if (!this.running) return this.exitInfo;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

// The API as a script sees it: Bearer keys, JSON; returns {status, body}.
export function apiClient(base) {
  return async function call(method, path, {key, json, text, contentType} = {}) {
    const headers = {};
    if (key) headers.Authorization = `Bearer ${key}`;
    let body;
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (text !== undefined) {
      headers['Content-Type'] = contentType ?? 'text/plain';
      body = text;
    }
    const response = await fetch(base + path, {method, headers, body});
    const type = response.headers.get('content-type') ?? '';
    const data = type.includes('json') ? await response.json() : await response.text();
    return {status: response.status, body: data, headers: response.headers};
  };
}

// Like apiClient's call, but throws unless the status is the expected one.
export async function expectStatus(promise, status, what) {
  const answer = await promise;
  if (answer.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

// The next weekday instant at 15:00 UTC (10:00 or 11:00 in New York) that is not in the past:
// the simulated numbers are New York's, and outside 08:00-21:00 there (and the tenant's default
// window, 09:00-19:00 Monday to Friday) every job would be deferred.
export function newYorkDaytime(now = new Date()) {
  const t = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 15, 0, 0));
  // At least a minute ahead, so jobs the server schedules at its (real) now are already due.
  while (t.getTime() < now.getTime() + 60000 || t.getUTCDay() === 0 || t.getUTCDay() === 6) {
    t.setUTCDate(t.getUTCDate() + 1);
  }
  return t.toISOString().replace('.000Z', 'Z');
}

// Whether New York is inside the default calling window right now (no --start-at needed).
export function newYorkIsOpen(now = new Date()) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23', weekday: 'short',
  }).formatToParts(now).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour);
  return !['Sat', 'Sun'].includes(parts.weekday) && hour >= 9 && hour < 18;
}
