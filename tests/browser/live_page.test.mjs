// Real-browser test of jobcast's live progress page.
//
//   node tests/browser/live_page.test.mjs <path-to-jobcast-binary> <output-dir>
//
// Starts its own jobcast on a free port, drives the system Chromium
// (/usr/bin/chromium, never a downloaded browser) through playwright-core,
// and prints one line per check plus a final "N passed, M failed".
// Exit code 0 only if every check passed.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TOTAL_BUDGET_MS = 150_000;  // the whole run, including startup
const STEP_MS = 8_000;           // any single wait
const LINES = ['Did something', 'Did something else', 'All done'];

const [binary, outArg] = process.argv.slice(2);
if (!binary || !outArg) {
  console.error('usage: node live_page.test.mjs <path-to-jobcast-binary> <output-dir>');
  process.exit(2);
}
const outDir = resolve(outArg);
mkdirSync(outDir, { recursive: true });

let server = null;
let serverLog = '';
let context = null;
let userDataDir = null;
let passed = 0;
let failed = 0;

// -- cleanup -----------------------------------------------------------------

async function stopServer() {
  const proc = server;
  server = null;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function cleanup() {
  if (context) {
    const c = context;
    context = null;
    await Promise.race([c.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
  }
  await stopServer();
  if (userDataDir) {
    rmSync(userDataDir, { recursive: true, force: true });
    userDataDir = null;
  }
}

function killServerNow() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
}
process.on('exit', killServerNow);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killServerNow();
    process.exit(1);
  });
}

const watchdog = setTimeout(async () => {
  console.error(`FAIL: the test run exceeded ${TOTAL_BUDGET_MS / 1000} s; giving up`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  killServerNow();
  process.exit(1);
}, TOTAL_BUDGET_MS);
watchdog.unref();

// -- helpers -----------------------------------------------------------------

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function startServer(port = 0) {
  return new Promise((resolveStart, rejectStart) => {
    const proc = spawn(binary, [`--http.port=${port}`, '--demo.interval=700ms'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = proc;
    let buffered = '';
    let done = false;
    const finish = (err, port) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      err ? rejectStart(err) : resolveStart(port);
    };
    const timer = setTimeout(
      () => finish(new Error(`jobcast printed no "jobcast listening on" line within 10 s; output:\n${serverLog}`)),
      10_000);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      serverLog += chunk;
      buffered += chunk;
      const m = /jobcast listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(buffered);
      if (m) finish(null, Number(m[1]));
    });
    proc.stderr.on('data', (chunk) => { serverLog += chunk; });
    proc.on('error', (err) => finish(new Error(`cannot start ${binary}: ${err.message}`)));
    proc.on('exit', (code, sig) => {
      finish(new Error(`jobcast exited early (code ${code}, signal ${sig}); output:\n${serverLog}`));
    });
  });
}

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

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function api(base, method, path, body) {
  const res = await withTimeout(fetch(base + path, {
    method,
    headers: body === undefined
      ? { Accept: 'application/json' }
      : { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }), STEP_MS, `${method} ${path}`);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* reported below */ }
  return { status: res.status, headers: res.headers, text, json };
}

async function startJob(base) {
  const res = await api(base, 'POST', '/api/jobs', { kind: 'demo' });
  assert(res.status === 201 && res.json && Number.isInteger(res.json.id),
    `POST /api/jobs {"kind":"demo"} should answer 201 with job JSON; got ${res.status}: ${res.text.slice(0, 300)}`);
  return res.json.id;
}

// Snapshot of the live page as the tests see it.
function pageState(page) {
  return page.evaluate(() => ({
    lines: Array.from(document.querySelectorAll('#log > li'), (li) => li.textContent),
    state: document.getElementById('state')?.textContent.trim(),
    value: document.getElementById('progress')?.value,
    percent: document.getElementById('percent')?.textContent.trim(),
  }));
}

// Waits until the live page matches `want` ({lines: exact count, minLines,
// state}), polling the DOM on every animation frame. The condition is passed
// as data: the page's CSP forbids eval, so no predicate source can be sent.
// On timeout the error shows the last snapshot.
async function waitForPage(page, description, want, timeout = STEP_MS) {
  try {
    const handle = await page.waitForFunction((w) => {
      const s = {
        lines: Array.from(document.querySelectorAll('#log > li'), (li) => li.textContent),
        state: document.getElementById('state')?.textContent.trim(),
        value: document.getElementById('progress')?.value,
        percent: document.getElementById('percent')?.textContent.trim(),
      };
      if (w.lines !== undefined && s.lines.length !== w.lines) return false;
      if (w.minLines !== undefined && s.lines.length < w.minLines) return false;
      if (w.state !== undefined && s.state !== w.state) return false;
      return s;
    }, want, { timeout, polling: 'raf' });
    return await handle.jsonValue();
  } catch (err) {
    let last = null;
    try { last = await pageState(page); } catch { /* page gone */ }
    throw new Error(`waiting for ${description}: ${err.message.split('\n')[0]}\n` +
      `last seen on the page: ${JSON.stringify(last)}`);
  }
}

// Records console errors, page errors and CSP violations per page.
const problems = [];
function watch(page, label) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${label}: console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${label}: uncaught: ${err.message}`));
  return page;
}

// -- run ---------------------------------------------------------------------

async function main() {
  const port = await startServer();
  const base = `http://127.0.0.1:${port}`;
  console.log(`# jobcast on ${base}`);

  userDataDir = mkdtempSync(join(tmpdir(), 'jobcast-chromium-'));
  context = await withTimeout(chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1000, height: 760 },
    timeout: 15_000,
  }), 20_000, `launching ${CHROMIUM}`);
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  // Report any CSP violation the page causes.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });

  await check('home page: start a job, watch lines arrive one by one, finish succeeded', async () => {
    const page = watch(await context.newPage(), 'scenario 1');
    const res = await page.goto(base + '/');
    assert(res && res.status() === 200, `GET / answered ${res && res.status()}`);
    assert((await page.title()).includes('jobcast'), `home page title is "${await page.title()}"`);
    const headers = await page.locator('table thead th').allTextContents();
    assert(sameList(headers.map((h) => h.trim()), ['Job', 'Kind', 'State', 'Progress', 'Started']),
      `home page table columns are ${JSON.stringify(headers)}`);

    await Promise.all([
      page.waitForURL(/\/view-progress\/\d+$/, { timeout: STEP_MS }),
      page.getByRole('button', { name: 'Start new background job' }).click(),
    ]);
    const id = /\/view-progress\/(\d+)$/.exec(page.url())[1];
    await page.locator('#heading', { hasText: `Job ${id}` }).waitFor({ timeout: STEP_MS });

    const one = await waitForPage(page, 'exactly 1 log line while running',
      { lines: 1, state: 'running' });
    assert(one.lines[0] === LINES[0], `first line is ${JSON.stringify(one.lines[0])}`);
    assert(Math.abs(one.value - 1 / 3) < 0.01 && one.percent === '33%',
      `after 1 line the bar shows ${one.value} / ${one.percent}, expected 1/3 / 33%`);

    const two = await waitForPage(page, 'exactly 2 log lines', { lines: 2 });
    assert(sameList(two.lines, LINES.slice(0, 2)), `after line 2 the log is ${JSON.stringify(two.lines)}`);

    const end = await waitForPage(page, 'state "succeeded"', { state: 'succeeded' });
    assert(sameList(end.lines, LINES), `final log is ${JSON.stringify(end.lines)}`);
    assert(end.value === 1 && end.percent === '100%',
      `final bar shows ${end.value} / ${end.percent}, expected 1 / 100%`);
    const cancel = page.locator('#cancel');
    assert(!(await cancel.isVisible()) || await cancel.isDisabled(), 'cancel button still usable after the end');
    assert(/\d+:\d\d/.test(await page.locator('#elapsed').textContent()), 'elapsed time not shown');

    await page.screenshot({ path: join(outDir, 'finished.png'), fullPage: true });
    await page.close();
  });

  await check('reload mid-job: log ends with exactly the three lines, no duplicates or gaps', async () => {
    const id = await startJob(base);
    const page = watch(await context.newPage(), 'scenario 2');
    await page.goto(`${base}/view-progress/${id}`);
    const before = await waitForPage(page, 'the first log line', { minLines: 1 });
    assert(before.lines.length < 3 && before.state === 'running',
      `job already finished before the reload (${JSON.stringify(before)}); cannot test mid-job reload`);
    await page.reload();
    const end = await waitForPage(page, 'state "succeeded" after reload', { state: 'succeeded' });
    assert(sameList(end.lines, LINES),
      `after a reload the log should be exactly ${JSON.stringify(LINES)}, got ${JSON.stringify(end.lines)}`);
    assert(end.value === 1 && end.percent === '100%', `final bar shows ${end.value} / ${end.percent}`);
    await page.close();
  });

  await check('cancel from outside: page shows "cancelled" and hides the cancel button', async () => {
    const id = await startJob(base);
    const page = watch(await context.newPage(), 'scenario 3');
    await page.goto(`${base}/view-progress/${id}`);
    await waitForPage(page, 'the first log line', { minLines: 1 });
    assert(await page.locator('#cancel').isEnabled(), 'cancel button disabled while the job runs');
    const res = await api(base, 'DELETE', `/api/jobs/${id}`);
    assert(res.status === 200, `DELETE /api/jobs/${id} answered ${res.status}: ${res.text.slice(0, 300)}`);
    const end = await waitForPage(page, 'state "cancelled"', { state: 'cancelled' });
    assert(!end.lines.includes(LINES[2]), `cancelled job still logged "${LINES[2]}": ${JSON.stringify(end.lines)}`);
    await page.waitForFunction(() => {
      const b = document.getElementById('cancel');
      return b.disabled || b.hidden || b.offsetParent === null;
    }, null, { timeout: STEP_MS }).catch(() => {
      throw new Error('the cancel button is still visible and enabled after "cancelled"');
    });
    await page.close();
  });

  await check('a finished 100,000-line job: right summary, bounded DOM, no reconnect', async () => {
    const created = await api(base, 'POST', '/api/jobs', { kind: 'external', title: 'long log' });
    assert(created.status === 201, `POST /api/jobs answered ${created.status}`);
    const { id, token } = created.json;
    const N = 100_000;
    const line = (i) => `[${i}] compiling src/module_${i % 977}.cpp ... ok`;
    for (let first = 1; first <= N; first += 20_000) {
      const body = Array.from({ length: 20_000 }, (_, k) => line(first + k)).join('\n') + '\n';
      const res = await withTimeout(fetch(`${base}/api/jobs/${id}/events`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' },
        body,
      }), STEP_MS, 'publishing');
      assert(res.status === 202, `publish answered ${res.status}`);
    }
    const fin = await withTimeout(fetch(`${base}/api/jobs/${id}/finish`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}',
    }), STEP_MS, 'finishing');
    assert(fin.status === 200, `finish answered ${fin.status}`);

    const page = watch(await context.newPage(), 'scenario 5');
    let streams = 0;
    page.on('request', (req) => { if (req.url().includes(`/jobs/${id}/events`)) streams++; });
    await page.goto(`${base}/view-progress/${id}`);
    // The summary is right from the start, not taken from replayed events.
    const early = await pageState(page);
    assert(early.state === 'succeeded' && early.percent === '100%',
      `right after load the page shows ${JSON.stringify({ state: early.state, percent: early.percent })}`);
    const last = line(N);
    await page.waitForFunction((want) => {
      const items = document.querySelectorAll('#log > li');
      return items.length > 0 && items[items.length - 1].textContent === want;
    }, last, { timeout: 60_000, polling: 200 }).catch(() => {
      throw new Error(`the last line "${last}" never showed`);
    });
    const end = await pageState(page);
    assert(end.state === 'succeeded' && end.percent === '100%',
      `after the replay the page shows ${JSON.stringify({ state: end.state, percent: end.percent })}`);
    assert(end.lines.length <= 2000, `${end.lines.length} lines in the DOM`);
    const hidden = await page.locator('#hiddenCount').textContent();
    assert(Number(hidden) + end.lines.length === N,
      `${hidden} hidden + ${end.lines.length} shown lines, expected ${N} in all`);
    assert(await page.locator('#hiddenLines a[href="?format=text"]').isVisible(),
      'no visible link to the full log');
    const elapsed = await page.locator('#elapsed').textContent();
    assert(/\d+:\d\d/.test(elapsed), `elapsed shows "${elapsed}"`);
    await new Promise((r) => setTimeout(r, 3_000));
    assert(streams === 1, `${streams} requests to the event stream; the page reconnected`);
    const conn = await page.locator('#connection').textContent();
    assert(conn === 'done', `connection shows "${conn}"`);
    await page.screenshot({ path: join(outDir, 'long-log.png') });
    await page.close();
  });

  await check('server restart: the page of job N shows the new job N, not a mix', async () => {
    const id = await startJob(base);
    const page = watch(await context.newPage(), 'scenario 4');
    await page.goto(`${base}/view-progress/${id}`);
    await waitForPage(page, 'the first log line', { lines: 1, state: 'running' });
    // A new run of the server on the same port: ids start again at 1, so
    // there is a new job with this id when the page reconnects (retry: 2 s)
    // with the id of an event of the old one.
    await stopServer();
    await startServer(port);
    for (let n = 0; n < id; n++) await startJob(base);
    const end = await waitForPage(page, 'state "succeeded" after the restart',
      { state: 'succeeded' }, 15_000);
    assert(sameList(end.lines, LINES),
      `after the reset the log should be the new job's ${JSON.stringify(LINES)}, got ${JSON.stringify(end.lines)}`);
    await page.close();
  });

  await check('no console errors, uncaught exceptions or CSP violations', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
}

let exitCode = 1;
try {
  await main();
  exitCode = failed === 0 && passed > 0 ? 0 : 1;
} catch (err) {
  failed++;
  console.log(`FAIL setup: ${err && err.message || err}`);
} finally {
  await cleanup();
}
if (failed > 0 && serverLog) {
  console.log('# jobcast output:\n' + serverLog.trimEnd().split('\n').map((l) => '#   ' + l).join('\n'));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
