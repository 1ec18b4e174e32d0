// jobcast's Server-Sent Events through the clients people really use: the
// npm `eventsource` package and `@microsoft/fetch-event-source`.
//
//   node tests/browser/sse_clients.test.mjs <path-to-jobcast-binary>
//
// Starts its own jobcast on a free port; prints one line per check and a
// final "N passed, M failed". Exit code 0 only if every check passed.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { EventSource } = require('eventsource');
// fetch-event-source is written for browsers: it reads `window` and
// `document` (for its page-visibility pause, off here with openWhenHidden).
globalThis.window = globalThis;
globalThis.document = {
  hidden: false,
  addEventListener() {},
  removeEventListener() {},
};
const { fetchEventSource } = require('@microsoft/fetch-event-source');

const STEP_MS = 8_000;
const [binary] = process.argv.slice(2);
if (!binary) {
  console.error('usage: node sse_clients.test.mjs <path-to-jobcast-binary>');
  process.exit(2);
}

let server = null;
let serverLog = '';
let passed = 0;
let failed = 0;

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

async function stopServer() {
  const proc = server;
  server = null;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Resolves once `pred()` holds; rejects after `ms`.
async function until(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function startJob(base) {
  const res = await fetch(base + '/api/jobs', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{"kind":"demo"}',
  });
  assert(res.status === 201, `POST /api/jobs answered ${res.status}`);
  return (await res.json()).id;
}

/// An EventSource whose connection attempts are counted.
function countedEventSource(url) {
  const counter = { requests: 0, statuses: [] };
  const es = new EventSource(url, {
    fetch: async (input, init) => {
      counter.requests++;
      const res = await fetch(input, init);
      counter.statuses.push(res.status);
      return res;
    },
  });
  return { es, counter };
}

async function main() {
  const port = await startServer(['--demo.interval=150ms', '--sse.heartbeat=100ms']);
  const base = `http://127.0.0.1:${port}`;
  console.log(`# jobcast on ${base}`);

  await check('eventsource: follows a job to its end, then stops (204), no reconnect loop', async () => {
    const id = await startJob(base);
    const { es, counter } = countedEventSource(`${base}/jobs/${id}/events`);
    const seen = [];
    for (const type of ['progress', 'end'])
      es.addEventListener(type, (ev) => seen.push([type, JSON.parse(ev.data).seq, ev.lastEventId]));
    try {
      await until(() => seen.some(([t]) => t === 'end'), STEP_MS, 'the end event');
      // The server closes after the end; the client reconnects with the end's
      // id, hears 204 and gives up for good.
      await until(() => es.readyState === EventSource.CLOSED, STEP_MS, 'readyState CLOSED');
      await sleep(2_500); // longer than retry: a loop would show by now
      assert(counter.requests === 2, `${counter.requests} connection attempts (${counter.statuses}), expected 2`);
      assert(counter.statuses.join() === '200,204', `statuses ${counter.statuses}`);
      const seqs = seen.map(([, seq]) => seq);
      assert(seqs.join() === '1,2,3,4', `events ${JSON.stringify(seen)}`);
      assert(/^[0-9a-z]+-4$/.test(seen[3][2]), `lastEventId of the end is ${seen[3][2]}`);
    } finally {
      es.close();
    }
  });

  await check('eventsource: opened on a finished job past its end is told 204 once', async () => {
    const id = await startJob(base);
    let endId = null;
    {
      const { es } = countedEventSource(`${base}/jobs/${id}/events`);
      es.addEventListener('end', (ev) => { endId = ev.lastEventId; es.close(); });
      await until(() => endId !== null, STEP_MS, 'the end event');
    }
    const { es, counter } = countedEventSource(
      `${base}/jobs/${id}/events?last-event-id=${encodeURIComponent(endId)}`);
    try {
      await until(() => es.readyState === EventSource.CLOSED, STEP_MS, 'readyState CLOSED');
      await sleep(2_500);
      assert(counter.requests === 1 && counter.statuses[0] === 204,
        `attempts ${counter.requests}, statuses ${counter.statuses}`);
    } finally {
      es.close();
    }
  });

  await check('fetch-event-source: JSON.parse(ev.data) never sees an empty message', async () => {
    const id = await startJob(base);
    const ctrl = new AbortController();
    const messages = [];
    const errors = [];
    let ended;
    const done = new Promise((r) => { ended = r; });
    const run = fetchEventSource(`${base}/jobs/${id}/events`, {
      signal: ctrl.signal,
      openWhenHidden: true,
      onmessage(ev) {
        try {
          const data = JSON.parse(ev.data); // what a plain handler does
          messages.push([ev.event, data.seq]);
          if (ev.event === 'end') ended();
        } catch (err) {
          errors.push(`${JSON.stringify(ev)}: ${err.message}`);
        }
      },
      onerror(err) {
        errors.push(`onerror: ${err}`);
        throw err; // no retries: any error fails the check
      },
    });
    try {
      await Promise.race([done, sleep(STEP_MS).then(() => { throw new Error('no end event'); })]);
    } finally {
      ctrl.abort();
      await run.catch(() => {});
    }
    // Heartbeats (every 100 ms here) and retry: went by without a message.
    assert(errors.length === 0, errors.join('\n'));
    assert(messages.map(([, seq]) => seq).join() === '1,2,3,4', `messages ${JSON.stringify(messages)}`);
  });
}

let exitCode = 1;
try {
  await main();
  exitCode = failed === 0 && passed > 0 ? 0 : 1;
} catch (err) {
  failed++;
  console.log(`FAIL setup: ${err && err.stack || err}`);
} finally {
  await stopServer();
}
if (failed > 0) console.log('# jobcast output:\n' + serverLog.trimEnd());
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
