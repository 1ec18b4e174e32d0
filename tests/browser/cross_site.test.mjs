// Cross-site requests in a real browser (issue 16, section 1).
//
//   node tests/browser/cross_site.test.mjs <path-to-jobcast-binary>
//
// Starts jobcast and a second web server (another origin) on free ports.
// A page of the second origin tries a form post, a no-cors fetch and a
// WebSocket to jobcast: all must be refused and start nothing. jobcast's
// own page opens the same WebSocket and starts a job. Uses the system
// Chromium through playwright-core. Exit code 0 only if every check passed.

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const [binary] = process.argv.slice(2);
if (!binary) {
  console.error('usage: node cross_site.test.mjs <path-to-jobcast-binary>');
  process.exit(2);
}

let failed = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok' : 'FAIL'} - ${what}`);
  if (!ok) failed++;
}

function startJobcast(extra = ['--demo.interval=10s']) {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, ['--http.port=0', ...extra],
                       { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no port: ${out}`)), 10_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) { clearTimeout(timer); resolve({ proc, port: Number(m[1]) }); }
    });
    proc.on('exit', (code) => reject(new Error(`jobcast exited ${code}: ${out}`)));
  });
}

function startOtherSite() {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>other site</title><p>other site</p>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ server, port: server.address().port })));
}

async function jobCount(base) {
  const res = await fetch(`${base}/api/jobs`);
  return (await res.json()).jobs.length;
}

/// Opens a WebSocket in `page`; 'open' or 'error'.
function tryWebSocket(page, url) {
  return page.evaluate((u) => new Promise((resolve) => {
    const ws = new WebSocket(u);
    ws.onopen = () => { ws.close(); resolve('open'); };
    ws.onerror = () => resolve('error');
    setTimeout(() => resolve('timeout'), 5000);
  }), url);
}

async function main() {
  const { proc, port } = await startJobcast();
  const other = await startOtherSite();
  const base = `http://127.0.0.1:${port}`;
  // Another host name too, so that the page is cross-site, not just
  // cross-origin.
  const otherBase = `http://localhost:${other.port}`;
  // A second jobcast that lists the other site in --http.cors-origins.
  const listing = await startJobcast(['--demo.interval=100ms',
                                      `--http.cors-origins=["${otherBase}"]`]);
  const listingBase = `http://127.0.0.1:${listing.port}`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'jobcast-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update'],
    timeout: 15_000,
  });
  context.setDefaultTimeout(8_000);
  try {
    const created = await fetch(`${base}/api/jobs`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: '{"kind":"demo"}',
    });
    check(created.status === 201, `node fetch starts a job (${created.status})`);
    const id = (await created.json()).id;

    const page = await context.newPage();
    await page.goto(`${otherBase}/`);

    // A no-cors fetch with a JSON body as text/plain.
    await page.evaluate((u) => fetch(u, {
      method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' },
      body: '{"kind":"demo"}',
    }).catch(() => {}), `${base}/api/jobs`);
    check(await jobCount(base) === 1, 'a no-cors fetch from another site starts nothing');

    check(await tryWebSocket(page, `ws://127.0.0.1:${port}/jobs/${id}/ws`) !== 'open',
          'a WebSocket from another site is refused');

    // A form post: the page navigates to jobcast's answer.
    await Promise.all([
      page.waitForNavigation(),
      page.evaluate((u) => {
        const f = document.createElement('form');
        f.method = 'POST'; f.action = u;
        const k = document.createElement('input');
        k.name = 'kind'; k.value = 'demo'; f.appendChild(k);
        document.body.appendChild(f); f.submit();
      }, `${base}/`),
    ]);
    const text = await page.textContent('body');
    check(/^403 Forbidden: cross-site request refused/.test(text.trim()),
          `a cross-site form post gets 403 (${text.trim().slice(0, 80)})`);
    check(await jobCount(base) === 1, 'the cross-site form post started nothing');

    // jobcast's own page may do all of it.
    const own = await context.newPage();
    await own.goto(`${base}/`);
    check(await tryWebSocket(own, `ws://127.0.0.1:${port}/jobs/${id}/ws`) === 'open',
          "jobcast's own page opens the WebSocket");
    const status = await own.evaluate((u) => fetch(u, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: '{"kind":"demo"}',
    }).then((r) => r.status), `${base}/api/jobs`);
    check(status === 201, `jobcast's own page starts a job with fetch (${status})`);
    check(await jobCount(base) === 2, 'and only that one started');

    // Reads from another site: refused by the browser unless listed. (The
    // first page is on jobcast's 403 now.)
    const site = await context.newPage();
    await site.goto(`${otherBase}/`);
    const readable = (u) => site.evaluate((url) => fetch(url)
      .then((r) => r.json()).then((j) => 'read ' + j.id, () => 'refused'), u);
    check(await readable(`${base}/api/jobs/${id}`) === 'refused',
          'another site cannot read the JSON API of a jobcast that does not list it');
    const started = await site.evaluate((u) => fetch(u, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: '{"kind":"demo"}',
    }).then((r) => r.json()).then((j) => j.id, (e) => 'error ' + e), `${listingBase}/api/jobs`);
    check(typeof started === 'number',
          `a listed site starts a job with a preflighted JSON fetch (${started})`);
    check(await readable(`${listingBase}/api/jobs/${started}`) === `read ${started}`,
          'and reads its JSON');
    // jobcast.js from the jobcast, loaded with a plain script tag, follows
    // the job's stream to its end from the other site.
    await site.addScriptTag({ url: `${listingBase}/assets/jobcast.js` });
    const watched = await site.evaluate(([b, jobId]) => new Promise((resolve) => {
      const lines = [];
      jobcast.watch(b, jobId, {
        onEvent: (e) => lines.push(e.text),
        onEnd: (e) => resolve({ lines, state: e.state }),
        onError: (t) => resolve({ lines, error: t }),
      });
      setTimeout(() => resolve({ lines, error: 'timeout' }), 6000);
    }), [listingBase, started]);
    check(JSON.stringify(watched) === JSON.stringify(
      { lines: ['Did something', 'Did something else', 'All done'], state: 'succeeded' }),
          `jobcast.js on the listed site watches the job to its end (${JSON.stringify(watched)})`);
  } finally {
    listing.proc.kill('SIGTERM');
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
    other.server.close();
    proc.kill('SIGTERM');
  }
  console.log(failed ? `${failed} failed` : 'all passed');
  process.exit(failed ? 1 : 0);
}

main().catch((err) => { console.error(err); process.exit(1); });
