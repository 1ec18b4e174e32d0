// The live page under access tokens (issue 16, section 2), in a real
// browser.
//
//   node tests/browser/jwt_page.test.mjs <path-to-jobcast-binary>
//
// Starts jobcast with --auth.jwt-key. With the jobcast_token cookie set the
// live page streams a job to its end and its Cancel button cancels another;
// without it the page is refused; a token in the page's address works too,
// and a token that expires while the page watches is reported, not retried.
// The test's tokens are HS256, made here with node's crypto: the server
// verifies with libjwt. Exit code 0 only if every check passed.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SECRET = 'browser-test-secret-of-at-least-32-bytes';
const LINES = ['Did something', 'Did something else', 'All done'];

const [binary] = process.argv.slice(2);
if (!binary) {
  console.error('usage: node jwt_page.test.mjs <path-to-jobcast-binary>');
  process.exit(2);
}

let failed = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok' : 'FAIL'} - ${what}`);
  if (!ok) failed++;
}

function b64url(text) {
  return Buffer.from(text).toString('base64url');
}

function token(claims, expIn = 600) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + expIn, ...claims }));
  const sig = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

function startJobcast(extra) {
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
    proc.stderr.on('data', (d) => { out += d; });
    proc.on('exit', (code) => reject(new Error(`jobcast exited ${code}: ${out}`)));
  });
}

async function main() {
  const { proc, port } = await startJobcast(['--demo.interval=700ms',
                                             `--auth.jwt-key=${SECRET}`]);
  const base = `http://127.0.0.1:${port}`;
  const admin = token({ 'jobcast.view': '*', 'jobcast.start': '*', 'jobcast.cancel': true });
  async function startJob(kind) {
    const res = await fetch(`${base}/api/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin}` },
      body: JSON.stringify({ kind }),
    });
    return (await res.json()).id;
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'jobcast-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update'],
    timeout: 15_000,
  });
  context.setDefaultTimeout(8_000);
  try {
    const watched = await startJob('demo');
    const cancelled = await startJob('external');
    const expiring = await startJob('external');

    const page = await context.newPage();
    const refused = await page.goto(`${base}/view-progress/${watched}`);
    check(refused.status() === 401, `without a token the live page is 401 (${refused.status()})`);

    // The viewer's cookie: view and cancel, no start.
    await context.addCookies([{
      name: 'jobcast_token', url: base,
      value: token({ 'jobcast.view': '*', 'jobcast.cancel': true }),
    }]);
    const ok = await page.goto(`${base}/view-progress/${watched}`);
    check(ok.status() === 200, `with the cookie the live page loads (${ok.status()})`);
    await page.waitForSelector('body[data-state="succeeded"]', { timeout: 10_000 });
    const log = await page.textContent('#log');
    check(LINES.every((l) => log.includes(l)), `the page streamed the job to its end (${JSON.stringify(log)})`);

    await page.goto(`${base}/view-progress/${cancelled}`);
    await page.waitForSelector('#connection:text("live")');
    await page.click('#cancel');
    await page.waitForSelector('body[data-state="cancelled"]');
    const info = await (await fetch(`${base}/api/jobs/${cancelled}`,
                                    { headers: { Authorization: `Bearer ${admin}` } })).json();
    check(info.state === 'cancelled', `the Cancel button cancelled the job (${info.state})`);
    await context.clearCookies();

    // A token in the address, and one that expires while the page watches.
    const brief = token({ 'jobcast.view': [expiring] }, 3);
    const fresh = await context.newPage();
    const res = await fresh.goto(`${base}/view-progress/${expiring}?token=${brief}`);
    check(res.status() === 200, `?token= in the address opens the page (${res.status()})`);
    await fresh.waitForSelector('#connection:text("live")');
    check(true, 'the page streams with the token of its address');
    await fresh.waitForSelector('#connection:text("access expired")', { timeout: 8_000 });
    const message = await fresh.textContent('#message');
    check(/expired/.test(message), `the page says the token expired (${message})`);
  } catch (err) {
    check(false, String(err && err.stack || err));
  } finally {
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
    proc.kill('SIGTERM');
  }
  console.log(failed ? `${failed} failed` : 'all passed');
  process.exit(failed ? 1 : 0);
}

main().catch((err) => { console.error(err); process.exit(1); });
