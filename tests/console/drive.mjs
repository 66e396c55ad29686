// drive.mjs — drives serve's web console in Debian's chromium (headless,
// puppeteer-core) as a person would, and checks what the page shows.
// test_console.sh runs it with: BASE (serve's address), TOKEN, X, Y, Z (three
// review executions waiting for their approval), TOTAL (executions in the
// store), XSS (the text of the XSS case), CHROMIUM, and SHOTS (a folder for
// screenshots of the main views, or empty).
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import path from 'node:path';

const { BASE, TOKEN, X, Y, Z, XSS, CHROMIUM, SHOTS } = process.env;
const TOTAL = Number(process.env.TOTAL);
const T = 20000; // longest wait for what the page should come to show

let step = '';
function check(what) {
  step = what;
  console.log('check: ' + what);
}
function expect(ok, message) {
  if (!ok) throw new Error(message);
}

const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--lang=en-US'],
});
const dialogs = [], errors = [], requests = [];

async function newPage() {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 860 });
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('console', (m) => {
    // A failed fetch (403 before login, 400 from a refused input) is logged
    // by chromium itself; anything else (a CSP violation, a script error) is not expected.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push('console: ' + m.text());
  });
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), auth: r.headers().authorization || null }));
  return page;
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const waitText = (page, sel, want) =>
  page.waitForFunction((s, w) => {
    const e = document.querySelector(s);
    return e && e.textContent.includes(w);
  }, { timeout: T }, sel, want);
async function edit(page, sel, value) {
  await page.focus(sel);
  await page.$eval(sel, (e) => e.select());
  await page.keyboard.press('Backspace');
  await page.type(sel, value);
}
// A screenshot of the viewport's top (height px), or of the element sel.
async function shot(page, name, sel, height) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name + '.png');
  if (sel) await (await page.$(sel)).screenshot({ path: file });
  else await page.screenshot({ path: file, clip: { x: 0, y: 0, width: 1200, height: height || 860 } });
}
const noImages = (page) => page.evaluate(() => document.querySelectorAll('img').length);

try {
  const page = await newPage();

  check('the token is required: the page asks for it and shows nothing before');
  await page.goto(BASE + '/#/executions');
  await page.waitForSelector('#login', { timeout: T });
  expect(!(await page.$('#executions')), 'the list is shown without a token');
  await page.type('#token', 'not-the-token');
  await page.click('#login button');
  await waitText(page, '#login-error', 'refused');
  expect(!(await page.$('#executions')), 'the list is shown with a wrong token');
  await page.type('#token', TOKEN);
  await page.click('#login button');
  await page.waitForSelector('#executions', { timeout: T });

  check('the list: newest first, 50 a page of ' + TOTAL + ', paged, filtered');
  await waitText(page, '#count', `1–50 of ${TOTAL}`);
  let rows = await page.$$eval('#executions tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
  expect(rows.length === 50, `${rows.length} rows, not 50`);
  expect(rows.includes(X) && rows.includes(Y) && rows.includes(Z), 'the reviews are not on the first page');
  expect(rows.indexOf(Z) < rows.indexOf(X), 'not newest first');
  const xsave = await page.$eval(`#executions tr[data-id="${X}"]`, (tr) => tr.textContent);
  expect(xsave.includes('review') && xsave.includes('PENDING'), `X's row reads: ${xsave}`);
  await shot(page, 'executions', null, 620);
  await page.click('#next');
  await waitText(page, '#count', `51–100 of ${TOTAL}`);
  expect(page.url().includes('page=2'), 'the page is not in the URL: ' + page.url());
  const pages = Math.ceil(TOTAL / 50);
  await page.goto(BASE + '/#/executions?page=' + pages);
  await waitText(page, '#count', `${50 * (pages - 1) + 1}–${TOTAL} of ${TOTAL}`);
  rows = await page.$$eval('#executions tbody tr', (trs) => trs.length);
  expect(rows === TOTAL - 50 * (pages - 1), `the last page has ${rows} rows`);
  await page.goto(BASE + '/#/executions');
  await page.waitForSelector('#executions', { timeout: T });
  await page.select('#filter-status', 'PENDING');
  await waitText(page, '#count', '1–3 of 3');
  const statuses = await page.$$eval('#executions tbody tr .badge', (bs) => bs.map((b) => b.textContent));
  expect(statuses.length === 3 && statuses.every((s) => s === 'PENDING'), 'filter: ' + statuses);
  expect(page.url().includes('status=PENDING'), 'the filter is not in the URL');
  const lists = requests.filter((r) => new URL(r.url).pathname === '/executions' && r.method === 'GET');
  expect(lists.length > 0 && lists.every((r) => new URL(r.url).searchParams.get('limit') === '50'),
    'a list request without limit=50 (a full load)');

  check('one execution: input, journal tree, events with attempts, timeline, diagram (the XSS case as text)');
  await page.goto(BASE + '/#/executions/' + X);
  await page.waitForSelector('#journal', { timeout: T });
  expect((await text(page, '#input')).includes(XSS), 'the input does not show the XSS text as text');
  expect((await noImages(page)) === 0, 'an <img> element made it into the page');
  const journal = await page.$$eval('#journal tbody tr', (trs) =>
    trs.map((tr) => ({ name: tr.cells[0].textContent.replace('└ ', ''), depth: Number(tr.dataset.depth), type: tr.cells[1].textContent, status: tr.cells[2].textContent, attempt: tr.cells[3].textContent })));
  const op = (n) => journal.find((j) => j.name === n) || {};
  for (const n of ['fetch', 'settle', 'checks', 'spelling', 'spell', 'links', 'approval'])
    expect(op(n).name, `the journal has no ${n}: ${JSON.stringify(journal)}`);
  expect(op('fetch').attempt === '3' && op('fetch').status === 'SUCCEEDED', 'fetch: ' + JSON.stringify(op('fetch')));
  expect(op('checks').depth === 0 && op('spelling').depth === 1 && op('spell').depth === 2, 'the tree: ' + JSON.stringify(journal));
  expect(op('approval').type.startsWith('CALLBACK') && op('approval').status === 'STARTED', 'approval: ' + JSON.stringify(op('approval')));
  const fetchFails = await page.$$eval('#events tbody tr', (trs) =>
    trs.filter((tr) => tr.cells[2].textContent === 'StepFailed' && tr.cells[3].textContent === 'fetch').map((tr) => tr.cells[4].textContent + ' ' + tr.cells[5].textContent));
  expect(fetchFails.length === 2 && fetchFails[0].startsWith('1 Fetch.Busy') && fetchFails[1].startsWith('2 Fetch.Busy'), 'events: ' + fetchFails);
  const bars = await page.$$eval('#timeline g.tl-row', (gs) => gs.map((g) => ({ op: g.dataset.op, attempts: g.querySelectorAll('rect.attempt').length, failed: g.querySelectorAll('rect.attempt.failed').length, retries: g.querySelectorAll('line.tl-retry').length })));
  expect(bars.length === journal.length, `${bars.length} timeline rows for ${journal.length} operations`);
  expect(bars.some((b) => b.attempts === 3 && b.failed === 2 && b.retries === 2), 'no bar with 3 attempts, 2 failed: ' + JSON.stringify(bars));
  const nodeClass = (name) => page.$eval(`#diagram g.node[data-name="${name}"]`, (g) => g.getAttribute('class'));
  expect((await nodeClass('fetch')).includes('st-SUCCEEDED'), 'fetch is not green in the diagram');
  expect((await nodeClass('approval')).includes('st-STARTED'), 'approval is not shown waiting in the diagram');
  expect(!(await page.$eval('#diagram g.node[data-node="SUCCEEDED"]', (g) => g.getAttribute('class'))).includes('st-SUCCEEDED'), 'the end is reached already');
  const groups = await page.$$eval('#diagram g.group', (gs) => gs.map((g) => g.textContent));
  expect(groups.some((t) => t.startsWith('checks (parallel')), 'the parallel has no box: ' + groups);
  await shot(page, 'execution');
  await shot(page, 'journal', '#journal');
  await shot(page, 'timeline', '#timeline');

  check('the JSON editor refuses invalid JSON; a callback answered from the page completes the execution');
  const card = `.callback`;
  await edit(page, `${card} textarea`, '{"approved": tru');
  await waitText(page, `${card} .verdict`, 'not JSON');
  expect(await page.$eval(`${card} .cb-succeed`, (b) => b.disabled), 'Succeed is enabled for invalid JSON');
  await edit(page, `${card} textarea`, JSON.stringify({ approved: true, note: XSS }));
  await waitText(page, `${card} .verdict`, 'valid JSON');
  await page.click(`${card} .cb-succeed`);
  await waitText(page, '#fact-status', 'SUCCEEDED');
  await page.waitForSelector('#result', { timeout: T });
  expect((await text(page, '#result')).includes(XSS), 'the result does not show the XSS text');
  expect((await noImages(page)) === 0, 'an <img> element made it into the page');
  expect((await page.$eval('#diagram g.node[data-node="SUCCEEDED"]', (g) => g.getAttribute('class'))).includes('st-SUCCEEDED'), 'the end is not reached in the diagram');
  await shot(page, 'diagram', '#diagram');

  check('heartbeat and fail from the page');
  await page.goto(BASE + '/#/executions/' + Y);
  await page.waitForSelector('.callback .cb-heartbeat', { timeout: T });
  const due = await text(page, '.callback .cb-due');
  expect(due.includes('heartbeat due'), 'no heartbeat deadline shown: ' + due);
  await page.click('.callback .cb-heartbeat');
  await waitText(page, '#flash', 'heartbeat approval: done');
  await page.waitForFunction((d) => document.querySelector('.callback .cb-due').textContent !== d, { timeout: T }, due);
  await page.type('.callback .cb-type', 'Review.No');
  await page.type('.callback .cb-message', 'not this one');
  await page.click('.callback .cb-fail');
  await waitText(page, '#fact-status', 'FAILED');
  expect((await text(page, '#error')).includes('Rejected'), 'the error is not shown');
  expect((await text(page, '#events')).includes('Review.No: not this one'), 'the failure sent is not in the events');

  check('stop asks for confirmation first, then stops');
  await page.goto(BASE + '/#/executions/' + Z);
  await page.waitForSelector('#stop', { timeout: T });
  await page.click('#stop');
  await page.waitForSelector('#stop-box', { timeout: T });
  await page.click('#stop-cancel');
  expect(!(await page.$('#stop-box')), 'Cancel left the confirmation open');
  const still = await page.evaluate(async (b, t, id) => (await (await fetch(b + '/executions/' + id, { headers: { Authorization: 'Bearer ' + t } })).json()).status, BASE, TOKEN, Z);
  expect(still === 'PENDING', 'after Cancel the execution is ' + still);
  await page.click('#stop');
  await page.waitForSelector('#stop-confirm', { timeout: T });
  await page.type('#stop-type', 'Ops.Drain');
  await page.click('#stop-confirm');
  await waitText(page, '#fact-status', 'STOPPED');
  await waitText(page, '#actions', 'has ended');

  check('start from the page, the input checked against the schema');
  await page.goto(BASE + '/#/start/hello');
  await page.waitForSelector('#start-input', { timeout: T });
  await edit(page, '#start-input', '{"who": ');
  await waitText(page, '#start-verdict', 'not JSON');
  await edit(page, '#start-input', '{"whom": "x"}');
  await waitText(page, '#start-verdict', "missing required property 'who'");
  expect(await page.$eval('#start-go', (b) => b.disabled), 'Start is enabled for an input the schema refuses');
  await shot(page, 'start');
  await edit(page, '#start-input', '{"who": "console"}');
  await waitText(page, '#start-verdict', 'accepts');
  await page.click('#start-go');
  await page.waitForFunction(() => /^#\/executions\/[A-Za-z0-9_-]{22}$/.test(location.hash), { timeout: T });
  await waitText(page, '#fact-status', 'SUCCEEDED');
  expect((await text(page, '#result')).includes('hello console'), 'the result of the start');

  check('a callback read as text is answered with any text');
  await page.goto(BASE + '/#/start/memo');
  await page.waitForSelector('#start-input', { timeout: T });
  await edit(page, '#start-input', '{}');
  await waitText(page, '#start-verdict', 'no input schema');
  await page.click('#start-go');
  await page.waitForSelector('.callback textarea', { timeout: T });
  expect((await text(page, '.callback label')).includes('Result (text)'), 'a text callback offers a JSON editor');
  const note = 'plain words, {not JSON';
  await edit(page, '.callback textarea', note);
  expect(!(await page.$eval('.callback .cb-succeed', (b) => b.disabled)), 'Succeed is disabled for text');
  await page.click('.callback .cb-succeed');
  await waitText(page, '#fact-status', 'SUCCEEDED');
  expect((await text(page, '#result')).includes(note), 'the result does not hold the text sent');

  check('a shared link opens the execution once the token is given');
  const other = await newPage();
  await other.goto(BASE + '/#/executions/' + X);
  await other.waitForSelector('#login', { timeout: T });
  await other.type('#token', TOKEN);
  await other.click('#login button');
  await waitText(other, '#exec-id', X);
  await waitText(other, '#fact-status', 'SUCCEEDED');
  await other.goto(BASE + '/#/workflows/review');
  await other.waitForSelector('#diagram g.node[data-name="approval"]', { timeout: T });
  

  check('the token stays in memory; every request carries it; no action by GET; no script ran');
  for (const p of [page, other]) {
    const kept = await p.evaluate(() => document.cookie + localStorage.length + sessionStorage.length);
    expect(kept === '00', 'the page stored something: ' + kept);
  }
  const apiCalls = requests.filter((r) => !/^\/(console\/|$)/.test(new URL(r.url).pathname));
  const unsigned = apiCalls.filter((r) => r.auth !== 'Bearer ' + TOKEN && r.auth !== 'Bearer not-the-token');
  // before the token is given, the page asks once per view, without one
  expect(unsigned.every((r) => r.method === 'GET'), 'an action without the token: ' + JSON.stringify(unsigned));
  const actions = apiCalls.filter((r) => /\/(stop|succeed|fail|heartbeat|check)$/.test(new URL(r.url).pathname) || (new URL(r.url).pathname === '/executions' && r.method !== 'GET'));
  expect(actions.length >= 6 && actions.every((r) => r.method === 'POST'), 'actions: ' + JSON.stringify(actions.map((r) => r.method + ' ' + r.url)));
  expect(dialogs.length === 0, 'a dialog opened: ' + dialogs);
  expect(errors.length === 0, 'errors in the page: ' + errors.join('; '));
  console.log('drive: all checks passed');
} catch (e) {
  console.error('FAIL: ' + step + ': ' + e.message);
  for (const p of await browser.pages()) {
    const shown = await p.evaluate(() => document.getElementById('main') && document.getElementById('main').innerText).catch(() => null);
    if (shown) console.error('--- ' + p.url() + ' shows:\n' + shown.slice(0, 1500));
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
