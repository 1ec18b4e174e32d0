// web/jobcast.js, the watch() module other sites load, against a real
// jobcast: every event once and in order, the end once (and no reconnect
// after it), a resume point, `reset`, `gap` and an unknown job. It runs the
// very file the server serves, with the npm `eventsource` package as the
// browser's EventSource; the live page drives the same file in Chromium
// (live_page.test.mjs).
//
//   node tests/browser/jobcast_js.test.mjs <path-to-jobcast-binary>

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const { EventSource } = require('eventsource');

const STEP_MS = 8_000;
const [binary] = process.argv.slice(2);
if (!binary) {
  console.error('usage: node jobcast_js.test.mjs <path-to-jobcast-binary>');
  process.exit(2);
}

let server = null;
let serverLog = '';
let passed = 0;
let failed = 0;
let requests = 0;  // EventSource connection attempts, over all watches

function startServer(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, ['--http.port=0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    server = proc;
    const timer = setTimeout(() => reject(new Error(`jobcast did not start:\n${serverLog}`)), 10_000);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      serverLog += chunk;
      const m = /jobcast listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(serverLog);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.stderr.on('data', (chunk) => { serverLog += chunk; });
    proc.on('exit', (code, sig) => reject(new Error(`jobcast exited (${code}, ${sig}):\n${serverLog}`)));
  });
}
process.on('exit', () => { if (server) server.kill('SIGKILL'); });

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name} (${Date.now() - started} ms)\n     ${String(err && err.stack || err).split('\n').join('\n     ')}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Loads the jobcast.js the server serves into a context whose EventSource
/// is the npm package's, with every connection attempt counted.
async function loadModule(base) {
  const res = await fetch(base + '/assets/jobcast.js');
  assert(res.status === 200, `GET /assets/jobcast.js answered ${res.status}`);
  assert(/javascript/.test(res.headers.get('content-type')), 'jobcast.js is not served as JavaScript');
  class CountedEventSource extends EventSource {
    constructor(url, init) {
      super(url, {
        ...init,
        fetch: (input, options) => {
          requests++;
          return fetch(input, options);
        },
      });
    }
  }
  const sandbox = { EventSource: CountedEventSource, setTimeout, console };
  sandbox.globalThis = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(await res.text(), sandbox, { filename: 'jobcast.js' });
  assert(sandbox.jobcast && typeof sandbox.jobcast.watch === 'function', 'no jobcast.watch');
  return sandbox.jobcast;
}

/// Watches a job and records every callback; resolves at onEnd or onError.
function record(jobcast, base, id, options) {
  const log = { events: [], states: [], ends: [], resets: [], connections: [], errors: [] };
  log.done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no end within ${STEP_MS} ms: ${JSON.stringify(log)}`)), STEP_MS);
    const settle = () => { clearTimeout(timer); setTimeout(resolve, 0); };
    log.watcher = jobcast.watch(base, id, {
      onEvent: (e) => log.events.push(e),
      onState: (s) => log.states.push(s),
      onEnd: (e) => { log.ends.push(e); settle(); },
      onReset: (text) => log.resets.push({ text, after: log.events.length }),
      onConnection: (c) => log.connections.push(c),
      onError: (text) => { log.errors.push(text); settle(); },
    }, options);
  });
  return log;
}

async function post(base, path, body, headers = {}) {
  const res = await fetch(base + path, { method: 'POST', headers, body });
  return { status: res.status, json: await res.json().catch(() => null) };
}

async function main() {
  const port = await startServer(['--demo.interval=100ms', '--limits.max-events-per-job=4']);
  const base = `http://127.0.0.1:${port}`;
  console.log(`# jobcast on ${base}`);
  const jobcast = await loadModule(base);

  await check('a demo job: its lines once each, in order, then one end and no reconnect', async () => {
    const created = await post(base, '/api/jobs', '{"kind":"demo"}', { 'Content-Type': 'application/json' });
    assert(created.status === 201, `create answered ${created.status}`);
    const before = requests;
    const log = record(jobcast, base, created.json.id);
    await log.done;
    assert(log.errors.length === 0, `errors: ${log.errors}`);
    assert(same(log.events.map((e) => e.text), ['Did something', 'Did something else', 'All done']),
           `events: ${JSON.stringify(log.events.map((e) => e.text))}`);
    assert(same(log.events.map((e) => e.seq), [1, 2, 3]), 'seqs are not 1, 2, 3');
    assert(log.ends.length === 1 && log.ends[0].state === 'succeeded', `ends: ${JSON.stringify(log.ends)}`);
    assert(same(log.states, ['running', 'succeeded']), `states: ${log.states}`);
    assert(log.connections[0] === 'connecting' && log.connections.includes('live') &&
           log.connections[log.connections.length - 1] === 'closed', `connections: ${log.connections}`);
    await sleep(2500);  // past the stream's retry: 2000
    assert(requests - before === 1, `${requests - before} connection attempts, expected 1`);
  });

  // An external job of ten events whose history keeps only the newest four.
  const ext = await post(base, '/api/jobs', '{"kind":"external"}', { 'Content-Type': 'application/json' });
  assert(ext.status === 201, `create external answered ${ext.status}`);
  const auth = { Authorization: `Bearer ${ext.json.token}`, 'Content-Type': 'text/plain' };
  const lines = Array.from({ length: 9 }, (_, i) => `line ${i + 1}`);
  assert((await post(base, `/api/jobs/${ext.json.id}/events`, lines.join('\n') + '\n', auth)).status === 202,
         'publishing was refused');
  assert((await post(base, `/api/jobs/${ext.json.id}/finish`, '{"state":"failed","text":"broke"}',
                     { Authorization: auth.Authorization })).status === 200, 'finishing was refused');

  await check('a history that lost its oldest events starts with the gap', async () => {
    const log = record(jobcast, base, ext.json.id);
    await log.done;
    assert(log.events[0].type === 'gap', `first event: ${JSON.stringify(log.events[0])}`);
    assert(same(log.events.slice(1).map((e) => e.text), ['line 7', 'line 8', 'line 9']),
           `events: ${JSON.stringify(log.events.map((e) => e.text))}`);
    assert(log.ends.length === 1 && log.ends[0].state === 'failed' && log.ends[0].text === 'broke',
           `ends: ${JSON.stringify(log.ends)}`);
  });

  await check('a resume point hands on only what came after it', async () => {
    const log = record(jobcast, base, ext.json.id, { after: 8 });
    await log.done;
    assert(same(log.events.map((e) => e.text), ['line 9']), `events: ${JSON.stringify(log.events.map((e) => e.text))}`);
    assert(log.resets.length === 0, 'a reset for a resume point the job has');
    assert(log.ends.length === 1, 'no end');
  });

  await check('a resume point of another instance resets, then the whole history', async () => {
    const log = record(jobcast, base, ext.json.id, { after: 'zzzzzz-3' });
    await log.done;
    assert(log.resets.length === 1 && log.resets[0].after === 0, `resets: ${JSON.stringify(log.resets)}`);
    assert(same(log.events.map((e) => e.text).slice(-3), ['line 7', 'line 8', 'line 9']),
           `events: ${JSON.stringify(log.events.map((e) => e.text))}`);
    assert(log.ends.length === 1, 'no end');
  });

  await check('an unknown job is an error and no retry', async () => {
    const before = requests;
    const log = record(jobcast, base, 999999);
    await log.done;
    assert(log.errors.length === 1 && log.ends.length === 0, `log: ${JSON.stringify(log)}`);
    assert(log.connections[log.connections.length - 1] === 'closed', `connections: ${log.connections}`);
    await sleep(2500);
    assert(requests - before === 1, `${requests - before} connection attempts, expected 1`);
  });

  server.kill('SIGTERM');
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((err) => {
  console.log(`FAIL ${err && err.stack || err}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
