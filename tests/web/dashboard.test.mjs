// The dashboard in a real browser against a real `talky serve` and `talky worker`.
//
//   TALKY_BIN=build/release/talky node --test tests/web/dashboard.test.mjs
//
// Environment: TALKY_BIN (required), SCREENSHOT_DIR (default: a new temporary folder),
// CHROMIUM (default /usr/bin/chromium), UPDATE_README_SCREENSHOT=1 to also write
// docs/dashboard.png. TALKY_DASHBOARD_DIR, when set, is passed on to `talky serve`, which then
// serves the dashboard from that folder (`node web/build.mjs DIR`) instead of its embedded copy.
//
// The steps run in order in one browser session, like an operator's: log in, start a campaign
// and watch it live, read a call (in a second tab), take the screenshots, pause, upload leads,
// peek at another tenant's campaign, then log in as the admin. Each step that fails saves a
// screenshot (failure-STEP.png) and quotes the servers' last log lines.
//
// The numbers called are New York's: when it is outside 09:00-18:00 on a weekday there, the
// worker runs with --start-at on a weekday morning in New York, so calls go out at any hour.

import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {randomUUID} from 'node:crypto';
import {setTimeout as sleep} from 'node:timers/promises';
import {Child, apiClient, expectStatus, freePort, newYorkDaytime, newYorkIsOpen, waitFor} from './talky-harness.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(repo, 'web/package.json'));
const {chromium} = require('playwright-core');

const TALKY_BIN = process.env.TALKY_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || mkdtempSync(join(tmpdir(), 'talky-dashboard-shots-'));
const STEP_TIMEOUT = 240_000; // the machine has 2 cores and calls really speak
const UI_TIMEOUT = 90_000;

// Leads for the running campaign: the simulated provider scripts each by its last three digits
// (README): 200 agrees (goal), 204 declines, 486 busy, 480 no answer, 555 voicemail, 404 invalid.
// Enough of them that the campaign is still dialing when the test pauses it.
const SCRIPTED = ['200', '204', '486', '200', '480', '555', '200', '204', '404', '200'];
// Ten New York area codes x ten digits: 100 distinct numbers before one repeats.
const AREAS = ['212', '646', '917', '718', '347', '332', '929', '516', '631', '914'];
function leadsCsv(count) {
  const rows = ['phone_number,first_name,last_name'];
  for (let i = 0; i < count; i += 1) {
    const area = AREAS[i % AREAS.length];
    const digit = Math.floor(i / AREAS.length) % 10;
    rows.push(`+1${area}555${digit}${SCRIPTED[i % SCRIPTED.length]},Pat${i},Lee`);
  }
  return `${rows.join('\n')}\n`;
}

describe('dashboard', {timeout: 30 * 60_000}, () => {
  let dir;
  let serve;
  let worker;
  let base;
  let api;
  let browser;
  let context;
  let page;
  const adminKey = `admin-${randomUUID()}`;
  const world = {}; // tenants, keys and campaigns made in before()
  let failed = false;

  const pageErrors = []; // uncaught exceptions in the page: each step must leave none

  // Every step: on failure, a screenshot of the page and the servers' last log lines.
  async function step(name, fn) {
    try {
      await fn();
      assert.deepEqual(pageErrors.splice(0), [], 'the page threw');
    } catch (err) {
      failed = true;
      const shot = join(SCREENSHOT_DIR, `failure-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
      await page?.screenshot({path: shot, fullPage: true}).catch(() => {});
      err.message += `\n  screenshot: ${shot}\n  --- serve log ---\n${serve?.log(25)}\n  --- worker log ---\n${worker?.log(15)}`;
      throw err;
    }
  }

  const stats = (key, id) => expectStatus(api('GET', `/v1/campaigns/${id}/stats`, {key}), 200, 'stats');
  const counter = (name) => page.locator(`[data-counter="${name}"] .counter-value`);
  const counterNumber = async (name) => Number((await counter(name).textContent()).replace(/[^0-9]/g, ''));

  // Every form control on the page has a label (its <label>, or aria-label for the few without).
  async function assertLabelled(where) {
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML));
    assert.deepEqual(unlabelled, [], `unlabelled controls on ${where}`);
  }

  before(async () => {
    assert.ok(TALKY_BIN, 'set TALKY_BIN to the talky binary');
    assert.ok(existsSync(TALKY_BIN), `TALKY_BIN ${TALKY_BIN} does not exist`);
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
    mkdirSync(SCREENSHOT_DIR, {recursive: true});
    dir = mkdtempSync(join(tmpdir(), 'talky-dashboard-test-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = apiClient(base);
    const db = `sqlite:${join(dir, 't.db')}`;

    serve = new Child('serve', TALKY_BIN,
      ['serve', '--listen', `127.0.0.1:${port}`, '--database-url', db, '--admin-key', adminKey], {dir});
    await waitFor('talky serve to answer /health', async () => {
      if (!serve.running) throw new Error(`talky serve exited: ${JSON.stringify(serve.exitInfo)}\n${serve.log()}`);
      return (await fetch(`${base}/health`)).status === 200;
    }, {timeoutMs: 60_000});

    // The numbers are New York's: outside its calling hours every job would wait, so the
    // worker's clock then starts on a weekday morning there (see talky worker --help).
    const workerArgs = ['worker', '--database-url', db, '--ring-time-ms', '300', '--talk-time-ms', '1500',
      '--media-websocket-uri', `ws://127.0.0.1:${port}/media`, '--drain-timeout-ms', '3000'];
    if (!newYorkIsOpen()) workerArgs.push('--start-at', newYorkDaytime());
    worker = new Child('worker', TALKY_BIN, workerArgs, {dir});

    // Two tenants; the first has a campaign to run (recorded) and a draft for uploads.
    for (const [slot, name] of [['a', 'Acme Dental'], ['b', 'Globex Health']]) {
      const created = await expectStatus(api('POST', '/v1/tenants', {key: adminKey, json: {name}}), 201, 'create tenant');
      world[slot] = {name, key: created.api_key, id: created.tenant.id};
    }
    const campaign = (key, json) => expectStatus(api('POST', '/v1/campaigns', {key, json}), 201, 'create campaign');
    world.running = await campaign(world.a.key, {
      name: 'Flu shot reminders', goal: 'book a flu shot appointment', voice_id: 'en-us-1',
      system_prompt: 'Remind the patient that flu shots are available and offer an appointment.',
      max_concurrent_calls: 2, calling_config: {record_calls: true},
    });
    world.draft = await campaign(world.a.key, {
      name: 'Dental check-ups', voice_id: 'en-us-1', system_prompt: 'Offer a check-up.',
    });
    world.other = await campaign(world.b.key, {
      name: 'Globex renewals', voice_id: 'en-us-1', system_prompt: 'Renew.',
    });
    const imported = await expectStatus(api('POST', `/v1/campaigns/${world.running.id}/leads`,
      {key: world.a.key, text: leadsCsv(90), contentType: 'text/csv'}), 201, 'upload leads');
    assert.equal(imported.imported, 90);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({viewport: {width: 1366, height: 768}});
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    context.on('weberror', (webError) => pageErrors.push(webError.error().message));
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await worker?.stop();
    await serve?.stop();
    if (dir && !failed) rmSync(dir, {recursive: true, force: true});
    else if (dir) console.error(`kept ${dir} (logs and database) for the failure`);
    console.log(`screenshots: ${SCREENSHOT_DIR}`);
  });

  test('a tenant logs in with its key, which the page keeps nowhere', {timeout: STEP_TIMEOUT}, () => step('login', async () => {
    await page.goto(`${base}/`);
    const keyInput = page.getByLabel('API key');
    await keyInput.waitFor();
    assert.equal(await keyInput.getAttribute('type'), 'password');

    // A wrong key is refused with the API's error.
    await keyInput.fill('tk_not-a-real-key');
    await page.getByRole('button', {name: 'Log in'}).click();
    await page.getByRole('alert').filter({hasText: 'not accepted'}).waitFor();

    // By keyboard this time: Enter submits the form.
    await keyInput.fill(world.a.key);
    await keyInput.press('Enter');
    await page.locator('.tenant-name', {hasText: world.a.name}).waitFor();
    await page.getByRole('heading', {name: 'Campaigns', level: 1}).waitFor();
    await page.getByRole('navigation', {name: 'Main'}).waitFor();

    const stored = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({...localStorage}),
      session: JSON.stringify({...sessionStorage}),
      url: location.href,
      inputs: [...document.querySelectorAll('input')].map((i) => i.value).join('\n'),
    }));
    for (const [where, text] of Object.entries(stored)) {
      assert.ok(!text.includes(world.a.key), `the API key is readable in ${where}`);
    }
    // The session cookie exists, but only the browser can read it.
    const cookies = await context.cookies(`${base}/v1/session`); // the cookie's Path is /v1
    assert.ok(cookies.length > 0, 'no session cookie was set');
    for (const c of cookies) {
      assert.equal(c.httpOnly, true, `cookie ${c.name} is readable by scripts`);
      assert.ok(!c.value.includes(world.a.key), `cookie ${c.name} holds the key itself`);
    }
    // Cookie-authenticated changes need the dashboard's header (CSRF guard).
    const csrf = await page.evaluate(async (id) => {
      const bare = await fetch(`/v1/campaigns/${id}/pause`, {method: 'POST', credentials: 'same-origin'});
      return bare.status;
    }, world.draft.id);
    assert.equal(csrf, 403, 'a POST without X-Talky-Dashboard was not refused');
    await assertLabelled('the campaigns page');
  }));

  test('a running campaign\'s counters move with the live stream', {timeout: STEP_TIMEOUT}, () => step('live', async () => {
    // Start it from the list, as an operator would.
    const row = page.locator(`tr[data-campaign-id="${world.running.id}"]`);
    await row.getByRole('button', {name: 'Start'}).click();
    await row.locator('[data-status="running"]').waitFor();

    // Every /stats request from here on: the page must move without them.
    const statsRequests = [];
    page.on('request', (r) => { if (r.url().includes(`/v1/campaigns/${world.running.id}/stats`)) statsRequests.push(r.url()); });
    await row.getByRole('link', {name: 'Flu shot reminders'}).click();
    await page.getByRole('heading', {name: 'Flu shot reminders', level: 1}).waitFor();
    await page.locator('.live[data-state="live"]').waitFor();
    const requestsAtOpen = statsRequests.length;

    const before = await counter('calls_total').textContent();
    await page.waitForFunction(
      (was) => document.querySelector('[data-counter="calls_total"] .counter-value').textContent !== was,
      before, {timeout: UI_TIMEOUT});
    const moved = await counterNumber('calls_total');
    assert.ok(moved > Number(before.replace(/\D/g, '') || 0), `calls went from ${before} to ${moved}`);
    assert.equal(statsRequests.length, requestsAtOpen, 'the counters moved by polling /stats, not the stream');

    // The chart has a line for what has happened so far, and the other panels are drawn.
    await page.waitForFunction(() => {
      const chart = window.Chart?.getChart(document.querySelector('.chart-box canvas'));
      return chart && chart.data.datasets.length > 0;
    });
    await page.locator('.bars[aria-label="Jobs by status"] li').first().waitFor();
    await page.locator('.bars[aria-label="Leads by attempts made"] li').first().waitFor();
    await assertLabelled('the campaign page');
  }));

  test('a call shows its transcript and plays its recording', {timeout: STEP_TIMEOUT}, () => step('call', async () => {
    // A call that has ended where the callee agreed, with a transcript (the conversation
    // really ran) and its recording kept (written when the call ends).
    const call = await waitFor('an ended, recorded call with a transcript', async () => {
      const list = await expectStatus(api('GET', `/v1/calls?campaign_id=${world.running.id}&outcome=goal_achieved&limit=50`,
        {key: world.a.key}), 200, 'list calls');
      for (const c of list.items.filter((item) => item.status === 'completed')) {
        const detail = await expectStatus(api('GET', `/v1/calls/${c.id}`, {key: world.a.key}), 200, 'call');
        if (detail.transcript.length < 2) continue;
        const recording = await fetch(`${base}/v1/calls/${c.id}/recording`, {headers: {Authorization: `Bearer ${world.a.key}`}});
        await recording.arrayBuffer();
        if (recording.status === 200) return detail;
      }
      return null;
    }, {timeoutMs: 150_000, intervalMs: 2000});

    // In a second tab, so the campaign page keeps its live history for the screenshots; the
    // tab shares the session. Find the call through the calls page's filters.
    const campaignTab = page;
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    await page.goto(`${base}/#/calls`);
    await page.getByLabel('Outcome').selectOption('goal_achieved');
    await page.getByLabel('Campaign').selectOption(world.running.id);
    await page.getByRole('button', {name: 'Apply'}).click();
    await page.waitForURL(/outcome=goal_achieved/);
    const rows = page.locator('tr[data-call-id]');
    await rows.first().waitFor();
    const outcomes = await rows.locator('.badge').allTextContents();
    assert.ok(outcomes.length > 0 && outcomes.every((t) => t === 'Goal achieved'), `filtered outcomes: ${outcomes}`);
    await assertLabelled('the calls page');
    await page.locator(`tr[data-call-id="${call.id}"] a`).first().click();

    await page.getByRole('heading', {name: `Call to ${call.to_number}`}).waitFor();
    const turns = page.locator('.transcript .turn');
    await turns.first().waitFor();
    assert.equal(await turns.count(), call.transcript.length);
    const shown = await page.locator('.transcript').textContent();
    for (const turn of call.transcript) {
      assert.ok(shown.includes(turn.text), `turn "${turn.text}" is not shown`);
    }
    assert.match(shown, /Agent/);
    assert.match(shown, /Callee/);
    assert.match(shown, /(STT|TTS|LLM) \d+ ms/, 'no latency shown per turn');

    // The player loads the WAV (the session cookie goes with the media request).
    const audio = page.locator('audio');
    assert.equal(await audio.getAttribute('src'), `/v1/calls/${encodeURIComponent(call.id)}/recording`);
    await page.waitForFunction(() => {
      const a = document.querySelector('audio');
      return a && a.readyState >= 1 && a.duration > 0;
    }, null, {timeout: UI_TIMEOUT});
    const fetched = await page.evaluate(async () => {
      const response = await fetch(document.querySelector('audio').src, {credentials: 'same-origin'});
      return {status: response.status, type: response.headers.get('content-type'), bytes: (await response.arrayBuffer()).byteLength};
    });
    assert.equal(fetched.status, 200);
    assert.match(fetched.type, /^audio\/(wav|x-wav|wave)/);
    assert.ok(fetched.bytes > 44, 'the recording is an empty WAV');
    await page.close();
    page = campaignTab;
  }));

  test('screenshots of the campaign page at laptop and phone sizes', {timeout: STEP_TIMEOUT}, () => step('screenshots', async () => {
    // The campaign page has been open since the live step: wait for a chart worth showing,
    // a few outcomes over at least half a minute.
    await page.getByRole('heading', {name: 'Flu shot reminders', level: 1}).waitFor();
    await page.locator('.live[data-state="live"]').waitFor();
    await page.waitForFunction(() => {
      const chart = window.Chart?.getChart(document.querySelector('.chart-box canvas'));
      return chart && chart.data.datasets.length >= 3 && chart.scales.x.max - chart.scales.x.min >= 30_000;
    }, null, {timeout: UI_TIMEOUT});
    const shots = [];
    for (const [width, height] of [[1366, 768], [390, 844]]) {
      await page.setViewportSize({width, height});
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForFunction((w) => window.innerWidth === w, width);
      // The page must not scroll sideways (wide tables scroll inside their own box) once the
      // chart has followed the new width (Chart.js resizes on a ResizeObserver callback).
      const fits = await page.waitForFunction(
        () => document.documentElement.scrollWidth <= window.innerWidth, null, {timeout: 15_000})
        .then(() => true, () => false);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(fits, `the page is ${overflow}px wider than a ${width}px screen`);
      const file = join(SCREENSHOT_DIR, `campaign-${width}x${height}.png`);
      await page.screenshot({path: file});
      await page.screenshot({path: join(SCREENSHOT_DIR, `campaign-${width}x${height}-full.png`), fullPage: true});
      shots.push(file);
    }
    await page.setViewportSize({width: 1366, height: 768});
    for (const file of shots) assert.ok(existsSync(file), `${file} was not written`);
    if (process.env.UPDATE_README_SCREENSHOT === '1') {
      copyFileSync(shots[0], join(repo, 'docs/dashboard.png'));
    }
  }));

  test('pause stops new calls once the calls in flight have ended', {timeout: STEP_TIMEOUT}, () => step('pause', async () => {
    await page.goto(`${base}/#/campaigns/${world.running.id}`);
    await page.locator('.live[data-state="live"]').waitFor();
    await page.locator('.page-head').getByRole('button', {name: 'Pause'}).click();
    await page.locator('.title-row [data-status="paused"]').waitFor();
    const paused = await stats(world.a.key, world.running.id);
    assert.equal(paused.campaign.status, 'paused');
    assert.ok((paused.jobs_by_status.pending ?? 0) > 0, 'the campaign had no calls left to hold back: pause proves nothing');

    // Calls in flight end normally; the live counter shows it.
    await page.waitForFunction(
      () => document.querySelector('[data-counter="calls_in_progress"] .counter-value').textContent === '0',
      null, {timeout: 120_000});
    // The page and the API agree on the calls made ...
    const total = await waitFor('the page and the API to agree on calls made', async () => {
      const ui = await counterNumber('calls_total');
      const fromApi = (await stats(world.a.key, world.running.id)).calls_total;
      return ui === fromApi ? ui : null;
    }, {timeoutMs: 30_000});
    // ... and no call is added for the next few seconds (ring 300 ms: a new call would show).
    const watchUntil = Date.now() + 6000;
    while (Date.now() < watchUntil) {
      assert.equal(await counterNumber('calls_total'), total, 'a call was made after the pause (page)');
      await sleep(500);
    }
    const later = await stats(world.a.key, world.running.id);
    assert.equal(later.calls_total, total, 'a call was made after the pause (API)');
    assert.equal(later.calls_in_progress, 0);
    assert.equal(await page.locator('.title-row [data-status]').textContent(), 'paused');
    // Resume is offered now.
    await page.locator('.page-head').getByRole('button', {name: 'Resume'}).waitFor();
  }));

  test('a CSV upload with a bad row names that row and its line', {timeout: STEP_TIMEOUT}, () => step('upload', async () => {
    await page.goto(`${base}/#/campaigns/${world.draft.id}`);
    await page.getByRole('heading', {name: 'Dental check-ups', level: 1}).waitFor();
    const file = page.getByLabel('Leads CSV file');
    const upload = page.getByRole('button', {name: 'Upload leads'});

    // Line 1 is the header: line 3 holds the bad number.
    await file.setInputFiles({name: 'bad.csv', mimeType: 'text/csv',
      buffer: Buffer.from('phone_number,first_name\n+12125550200,Ada\n12345,Bob\n+12125550204,Cy\n')});
    await upload.click();
    const alert = page.locator('.upload-errors[role="alert"]');
    await alert.waitFor();
    const item = alert.locator('li[data-field="leads[1].phone_number"]');
    await item.waitFor();
    assert.match(await item.textContent(), /line 3/);
    assert.match(await item.textContent(), /12345/);
    assert.match(await alert.textContent(), /nothing was imported/);

    // A good file is imported and its leads listed; "why not called?" asks the calling rules.
    await file.setInputFiles({name: 'good.csv', mimeType: 'text/csv',
      buffer: Buffer.from('phone_number,first_name\n+12125550200,Ada\n+12125550204,Cy\n')});
    await upload.click();
    await page.getByRole('status').filter({hasText: 'Imported 2 leads'}).waitFor();
    assert.ok(await alert.isHidden(), 'the old errors are still shown');
    const leadRow = page.locator('tr[data-lead-id]', {hasText: '+12125550200'});
    await leadRow.waitFor();
    const leadId = await leadRow.getAttribute('data-lead-id');
    await leadRow.getByRole('button', {name: 'Why not called?'}).click();
    const decision = page.locator('.explanation .decision');
    await decision.waitFor();
    const answer = await expectStatus(api('GET', `/v1/leads/${leadId}/explanation`, {key: world.a.key}), 200, 'explanation');
    assert.equal(await decision.getAttribute('data-decision'), answer.decision.decision);
    const shownText = await decision.textContent();
    for (const part of answer.decision.message.split(/;\s+(?=[a-z_]+:)/)) {
      assert.ok(shownText.includes(part), `the explanation "${part}" is not shown`);
    }

    // A reload of the list (a live update does the same) keeps the open explanation open.
    const drawnRow = await leadRow.elementHandle();
    await page.locator('#leads').getByRole('button', {name: 'Refresh'}).click();
    await page.waitForFunction((row) => !row.isConnected, drawnRow, {timeout: UI_TIMEOUT}); // redrawn
    assert.ok(await decision.isVisible(), 'the reload closed the open explanation');
    assert.equal(await decision.getAttribute('data-decision'), answer.decision.decision);
  }));

  test('calls are filtered by outcome, the rows being those the API lists', {timeout: STEP_TIMEOUT}, () => step('calls-filter', async () => {
    // An outcome the running campaign has: which ones come first depends on the dialing order.
    const all = await expectStatus(api('GET', '/v1/calls?limit=200', {key: world.a.key}), 200, 'calls');
    const outcome = all.items.find((c) => c.outcome)?.outcome;
    assert.ok(outcome, 'no call has an outcome to filter by');
    const listed = await expectStatus(api('GET', `/v1/calls?outcome=${outcome}&limit=50`, {key: world.a.key}), 200, 'calls');
    await page.goto(`${base}/#/calls`);
    await page.getByRole('heading', {name: 'Calls', level: 1}).waitFor();
    await page.getByLabel('Outcome').selectOption(outcome);
    await page.getByRole('button', {name: 'Apply'}).click();
    const rows = page.locator('tr[data-call-id]');
    await waitFor(`only ${outcome} calls are listed`, async () =>
      page.url().includes(`outcome=${outcome}`) && (await rows.count()) === listed.items.length, {timeoutMs: UI_TIMEOUT});
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.callId));
    assert.deepEqual(shown, listed.items.map((c) => c.id));
    const label = outcome.charAt(0).toUpperCase() + outcome.slice(1).replaceAll('_', ' ');
    for (const badge of await rows.locator('.badge').allTextContents()) assert.equal(badge, label);
  }));

  test('a bad calling rule is shown under its field and changes nothing', {timeout: STEP_TIMEOUT}, () => step('rules', async () => {
    const before = await expectStatus(api('GET', '/v1/calling-rules', {key: world.a.key}), 200, 'rules');
    await page.goto(`${base}/#/rules`);
    await page.getByRole('heading', {name: 'Calling rules', level: 1}).waitFor();
    await page.getByLabel('Attempts per lead').fill('9');
    await page.getByRole('button', {name: 'Save rules'}).click();
    const error = page.locator('[data-field="max_retry_attempts"] .field-error');
    await error.waitFor({state: 'visible'});
    assert.ok((await error.textContent()).trim().length > 0, 'the field error is empty');
    const after = await expectStatus(api('GET', '/v1/calling-rules', {key: world.a.key}), 200, 'rules');
    assert.deepEqual(after, before, 'a refused change changed the rules');
  }));

  test('the Do-Not-Call list takes numbers, finds them by their digits and lets them go', {timeout: STEP_TIMEOUT}, () => step('dnc', async () => {
    await page.goto(`${base}/#/dnc`);
    await page.getByRole('heading', {name: 'Do-Not-Call list', level: 1}).waitFor();
    await page.getByLabel('Phone numbers').fill('(212) 555-7001\n+16465557002');
    await page.getByRole('button', {name: 'Add to the list'}).click();
    await page.getByRole('status').filter({hasText: 'Added 2 number(s)'}).waitFor();
    const rows = page.locator('tr[data-phone]');
    await rows.filter({hasText: '+12125557001'}).waitFor();

    // The server searches by digits, however they are typed.
    await page.getByLabel('Find numbers containing').fill('646 555');
    await page.getByRole('button', {name: 'Search'}).click();
    await page.getByRole('heading', {name: 'Numbers containing “646555”'}).waitFor();
    await waitFor('the search shows one number', async () => (await rows.count()) === 1, {timeoutMs: UI_TIMEOUT});
    assert.equal(await rows.first().getAttribute('data-phone'), '+16465557002');

    await page.getByRole('button', {name: 'Remove +16465557002'}).click();
    await page.getByRole('status').filter({hasText: '+16465557002 was removed'}).waitFor();
    const listed = await expectStatus(api('GET', '/v1/dnc?search=6465557002', {key: world.a.key}), 200, 'dnc');
    assert.equal(listed.items.length, 0, 'the number is still on the list');
    await assertLabelled('the Do-Not-Call page');
  }));

  test('another tenant\'s campaign, or an unknown one, is "not found"', {timeout: STEP_TIMEOUT}, () => step('not-found', async () => {
    for (const id of [world.other.id, randomUUID()]) {
      await page.goto(`${base}/#/campaigns/${id}`);
      await page.getByRole('heading', {name: 'Campaign not found'}).waitFor();
      assert.equal(await page.getByText('Globex renewals').count(), 0);
    }
  }));

  test('the admin key sees the tenants and creates one', {timeout: STEP_TIMEOUT}, () => step('admin', async () => {
    await page.getByRole('button', {name: 'Log out'}).click();
    await page.getByLabel('API key').waitFor();
    const status = await page.evaluate(async () => (await fetch('/v1/session', {credentials: 'same-origin'})).status);
    assert.equal(status, 401, 'the session outlived the logout');

    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', {name: 'Log in'}).click();
    await page.getByRole('heading', {name: 'Tenants', level: 1}).waitFor();
    assert.match(page.url(), /#\/tenants$/);
    await page.locator('.badge-admin').waitFor();
    for (const tenant of [world.a, world.b]) {
      await page.locator(`tr[data-tenant-id="${tenant.id}"]`, {hasText: tenant.name}).waitFor();
    }
    await assertLabelled('the tenants page');

    await page.getByLabel('Name').fill('Initech Clinics');
    await page.getByRole('button', {name: 'Create tenant'}).click();
    const notice = page.locator('.key-notice');
    await notice.waitFor();
    const key = await notice.locator('.api-key').textContent();
    assert.ok(key.length > 10, 'no API key shown');
    await page.locator('tr[data-tenant-id]', {hasText: 'Initech Clinics'}).waitFor();
    // The shown key works.
    await expectStatus(api('GET', '/v1/calling-rules', {key}), 200, 'the new tenant\'s key');
  }));
});
