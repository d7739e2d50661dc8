// Playwright (playwright-core + Debian's chromium, never a downloaded browser) against
// the built UI in ui/dist, with the Tauri shell replaced by fake-tauri.js.
// Run: `make ui-playwright` (builds first) or `node tests/playwright/run.mjs`.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '../../dist');
const out = join(here, '../../test-results');
const fake = await readFile(join(here, 'fake-tauri.js'), 'utf8');
// Each command's argument names, read from the generated bindings so the fake shell
// refuses the names the Rust side does not take (see checkArgs in fake-tauri.js).
const bindings = await readFile(join(here, '../../src/lib/backend/bindings.ts'), 'utf8');
const commandArgs = Object.fromEntries(
  [...bindings.matchAll(/__TAURI_INVOKE(?:<[^>]*>)?\("(\w+)"(?:, \{ ([^}]*) \})?\)/g)].map(([, cmd, list]) => [
    cmd,
    list ? list.split(',').map((a) => a.trim()).filter(Boolean) : [],
  ]),
);
assert.ok(commandArgs.create_ticket?.includes('newTicket'), `bindings.ts parsed: ${JSON.stringify(commandArgs)}`);
await mkdir(out, { recursive: true });

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  try {
    const file = join(dist, path === '/' ? 'index.html' : path);
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });

/** The page the running test opened last; screenshotted when the test fails. */
let lastPage = null;

/**
 * The page as the shell serves it with its start-up answer (src-tauri/src/first_page.rs):
 * `boot` as a JSON data block before `</head>`, with `<`, `>` and `&` escaped.
 */
async function serveWithBoot(page, boot) {
  const json = JSON.stringify(boot).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  await page.route(url, async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace('</head>', `<script id="outpost-boot" type="application/json">${json}</script></head>`);
    await route.fulfill({ response: res, body: html });
  });
}

/**
 * A fresh page with the fake shell; `config` goes to window.__FAKE_CONFIG__, `pageBoot`
 * (a Boot) into the page as the shell puts it there.
 */
async function open(config = {}, { colorScheme = 'light', pageBoot = null } = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(`window.__FAKE_CONFIG__ = ${JSON.stringify(config)};\nwindow.__FAKE_ARGS__ = ${JSON.stringify(commandArgs)};\n${fake}`);
  if (pageBoot) await serveWithBoot(page, pageBoot);
  await page.goto(url);
  page.errors = errors;
  lastPage = page;
  return page;
}
const calls = (page, cmd) => page.evaluate((c) => window.__calls.filter((x) => x.cmd === c).map((x) => x.args), cmd);
const tid = (id) => `[data-testid="${id}"]`;
async function waitCall(page, cmd, pred = () => true) {
  for (let i = 0; i < 100; i++) {
    const found = (await calls(page, cmd)).find(pred);
    if (found) return found;
    await page.waitForTimeout(20);
  }
  assert.fail(`no ${cmd} call matching; calls: ${JSON.stringify(await calls(page, cmd))}`);
}
async function main(page) {
  await page.waitForSelector(`${tid('ticket-row')}`);
}
async function openTicket(page, number) {
  await page.fill(tid('search-input'), `#${number}`);
  await page.waitForSelector(`${tid('search-hit')}`);
  await page.press(tid('search-input'), 'Enter');
  await page.waitForSelector(`${tid('ticket-detail')}[data-number="${number}"]`);
}

/** Problems an assistive-technology user would hit on the current screen. */
async function a11yProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const text = (el) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const name = (el) => {
      const by = el.getAttribute('aria-labelledby');
      if (by) return by.split(/\s+/).map((id) => text(document.getElementById(id))).join(' ');
      return el.getAttribute('aria-label') ?? (el.labels?.[0] ? text(el.labels[0]) : null) ?? el.getAttribute('title') ?? text(el);
    };
    const desc = (el) => `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} "${text(el).slice(0, 30)}"`;
    // A button whose name is only a symbol (×, ⚙, ?) says nothing to a screen reader.
    for (const b of document.querySelectorAll('button, [role="button"]')) {
      if (!/\p{L}/u.test(name(b) ?? '')) problems.push(`unnamed button ${desc(b)}`);
    }
    for (const f of document.querySelectorAll('input:not([type="hidden"]), select, textarea')) {
      const label = f.getAttribute('aria-label') || f.getAttribute('aria-labelledby') || f.labels?.length;
      if (!label) problems.push(`unlabelled field ${desc(f)}`);
    }
    for (const o of document.querySelectorAll('[role="option"]')) {
      let p = o.parentElement;
      while (p && p.getAttribute('role') === 'presentation') p = p.parentElement;
      if (p?.getAttribute('role') !== 'listbox' && p?.parentElement?.getAttribute('role') !== 'listbox' && !o.closest('[role="listbox"]')) problems.push(`option outside a listbox ${desc(o)}`);
      if (!o.hasAttribute('aria-selected')) problems.push(`option without aria-selected ${desc(o)}`);
    }
    for (const l of document.querySelectorAll('[role="listbox"]')) {
      if (!l.getAttribute('aria-label') && !l.getAttribute('aria-labelledby')) problems.push(`unnamed listbox ${desc(l)}`);
      // Only presentation wrappers (li) or the virtual list's spacer may sit between a listbox and its options.
      for (const li of l.querySelectorAll(':scope > li')) if (li.getAttribute('role') !== 'presentation' && !li.matches('[role="option"]') && !li.classList.contains('none')) problems.push(`list item breaks the listbox ${desc(li)}`);
    }
    const ad = (el) => el.getAttribute('aria-activedescendant');
    for (const el of document.querySelectorAll('[aria-activedescendant]')) {
      if (ad(el) && !document.getElementById(ad(el))) problems.push(`aria-activedescendant points nowhere ${desc(el)}`);
    }
    return problems;
  });
}

/** Tab through the page; every stop must show a focus ring at least 2px wide in the --focus colour. */
async function focusRings(page, stops) {
  const seen = [];
  for (let i = 0; i < stops; i++) {
    await page.keyboard.press('Tab');
    seen.push(await page.evaluate(() => {
      const el = document.activeElement;
      const cs = getComputedStyle(el);
      const probe = document.createElement('span');
      probe.style.color = 'var(--focus)';
      document.body.append(probe);
      const focus = getComputedStyle(probe).color;
      probe.remove();
      if (el === document.body) return null;
      return { what: `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} ${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 20)}`, style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: cs.outlineColor, focus, visible: el.checkVisibility({ opacityProperty: true }) };
    }));
  }
  assert.ok(seen.filter(Boolean).length > stops / 2, 'Tab reaches the controls');
  return seen.filter((s) => s && (s.style === 'none' || s.width < 2 || s.color !== s.focus || !s.visible));
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('sign-in renders with demo credentials and shows errors by code', async () => {
  const page = await open({ signedIn: false });
  await page.waitForSelector(tid('signin-submit'));
  assert.equal(await page.inputValue(tid('signin-server')), 'http://127.0.0.1:8080', 'server prefilled from app_info');
  await page.waitForSelector(tid('demo-credentials'));
  await page.screenshot({ path: join(out, 'signin.png') });
  await page.click('text=Use demo account');
  assert.equal(await page.inputValue(tid('signin-email')), 'agent1@demo.test');
  await page.fill(tid('signin-password'), 'wrong');
  await page.click(tid('signin-submit'));
  const err = await page.waitForSelector(tid('signin-error'));
  assert.equal(await err.getAttribute('data-code'), 'invalid_credentials');
  assert.match(await err.textContent(), /Email or password is wrong/);
  await page.fill(tid('signin-server'), 'http://unreachable.test');
  await page.fill(tid('signin-password'), 'outpost-demo');
  await page.click(tid('signin-submit'));
  await page.waitForSelector(`${tid('signin-error')}[data-code="unreachable"]`);
  await page.screenshot({ path: join(out, 'signin-error.png') });
  await page.fill(tid('signin-server'), 'http://127.0.0.1:8080');
  await page.click(tid('signin-submit'));
  await main(page);
  assert.equal(await page.$(tid('sync-api')), null, 'the native protocol goes unmentioned');
  const args = (await calls(page, 'sign_in')).at(-1);
  assert.deepEqual(args, { server: 'http://127.0.0.1:8080', email: 'agent1@demo.test', password: 'outpost-demo', tenant: 'demo' });
  assert.deepEqual(page.errors, []);
});

test('sign-in with an API token: the form switches, the status bar names the API, what it lacks is disabled', async () => {
  const page = await open({ signedIn: false });
  await page.waitForSelector(tid('signin-submit'));
  assert.equal(await page.$(tid('signin-api')), null, 'an Outpost account by default');
  await page.check(tid('signin-mode-token'));
  await page.waitForSelector(tid('signin-token'));
  assert.equal(await page.$(tid('signin-password')), null, 'the token takes the password field');
  assert.equal(await page.$(tid('signin-tenant')), null, 'a token needs no tenant');
  assert.equal(await page.$(tid('demo-credentials')), null, 'the demo account is a password account');
  assert.equal(await page.getAttribute(tid('signin-token'), 'type'), 'password');
  assert.match(await page.textContent(tid('signin-token-hint')), /helpdesk administrator/);
  const apis = await page.$$eval(`${tid('signin-api')} option`, (o) => o.map((x) => [x.value, x.textContent]));
  assert.deepEqual(apis.map(([v]) => v), ['ondi', 'sonzai', 'workspace', '29next']);
  assert.match(apis.at(-1)[1], /read-only/);
  assert.deepEqual(await a11yProblems(page), [], 'token form');
  await page.selectOption(tid('signin-api'), 'ondi');
  await page.fill(tid('signin-email'), 'agent1@demo.test');
  await page.fill(tid('signin-token'), 'wrong');
  await page.click(tid('signin-submit'));
  const err = await page.waitForSelector(`${tid('signin-error')}[data-code="unauthenticated"]`);
  assert.match(await err.textContent(), /API token/);
  await page.fill(tid('signin-token'), 'demo-key');
  await page.screenshot({ path: join(out, 'signin-token.png') });
  await page.click(tid('signin-submit'));
  await main(page);
  assert.deepEqual((await calls(page, 'sign_in_with_token')).at(-1), { server: 'http://127.0.0.1:8080', api: 'ondi', email: 'agent1@demo.test', token: 'demo-key' });
  assert.deepEqual(await calls(page, 'sign_in'), [], 'no password sign-in');
  const via = await page.waitForSelector(tid('sync-api'));
  assert.equal((await via.textContent()).trim(), 'via the OnDi support API');

  await openTicket(page, 1001);
  const why = 'The OnDi support API does not support this';
  assert.equal(await page.isDisabled(tid('detail-status-select')), true, 'no ticket.update through OnDi');
  assert.equal(await page.getAttribute(tid('detail-status-select'), 'title'), why);
  assert.equal(await page.isDisabled(tid('tag-input')), true);
  assert.equal(await page.isDisabled(tid('new-ticket')), true);
  assert.equal(await page.getAttribute(tid('new-ticket'), 'title'), why);
  assert.equal(await page.isDisabled(tid('action-claim')), false, 'OnDi takes a claim');
  assert.equal(await page.isDisabled(tid('composer-input')), false, 'and a reply');
  await page.screenshot({ path: join(out, 'connector-detail.png') });
  await page.click(tid('action-claim'));
  assert.deepEqual(await waitCall(page, 'claim'), { ticket: '1001' });

  await page.locator('body').click({ position: { x: 5, y: 500 } });
  await page.keyboard.press('s');
  await page.waitForSelector('text=The OnDi support API does not support editing the status, priority or type');
  await page.keyboard.press('Control+k');
  await page.keyboard.type('status');
  assert.equal(await page.$$eval(`${tid('palette-item')}:has-text("Change status")`, (x) => x.length), 0, 'the palette leaves it out');
  await page.keyboard.press('Escape');
  assert.deepEqual(await calls(page, 'update_ticket'), []);
  assert.deepEqual(page.errors, []);
});

test("the window's first frame comes from the start-up answer in the page, with no boot call", async () => {
  const first = await open({ tickets: 300 });
  await main(first);
  const start = JSON.parse(bindings.match(/START_LIST = (\{.*\}) as const/)[1]);
  const boot = await first.evaluate((list) => window.__TAURI_INTERNALS__.invoke('boot', { list }), start);
  await first.context().close();
  // What only the page says, and a subject that would end the data block if unescaped.
  boot.first_screen.page.tickets[0].subject = 'From the page </script><img src=x onerror=window.__xss=1>';
  const page = await open({ tickets: 300 }, { pageBoot: boot });
  await main(page);
  // The first row ever in the DOM (the list is read again once the window is up).
  assert.match(await page.evaluate(() => window.__firstRow), /From the page <\/script><img src=x/);
  assert.deepEqual(await calls(page, 'boot'), [], 'no round trip at start-up');
  assert.equal(await page.locator('#outpost-boot').count(), 0, 'the data block is read once and removed');
  const marks = await page.evaluate(() => performance.getEntriesByName('outpost:booted').map((m) => m.detail));
  assert.deepEqual(marks, ['in the page']);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(page.errors, []);
});

test('first sync shows progress and My open is usable meanwhile', async () => {
  const page = await open({ bootstrapped: false, tickets: 300 });
  await page.waitForSelector(tid('sync-progress'));
  // Before the server says where its feed ends: an animation and no number.
  assert.equal(await page.locator(tid('sync-progress-percent')).count(), 0);
  await page.evaluate(() => window.__emit({ type: 'progress', tickets: 1234, messages: 5678, done: false, percent: 42 }));
  await page.waitForFunction(() => document.querySelector('[data-testid="sync-progress-tickets"]')?.textContent?.includes('1,234'));
  assert.equal((await page.textContent(tid('sync-progress-percent'))).trim(), '42% of the helpdesk');
  assert.equal(await page.getAttribute(tid('sync-progress-bar'), 'aria-valuenow'), '42');
  await main(page);
  await page.screenshot({ path: join(out, 'first-sync.png') });
  await page.click('text=Start working on My open');
  await page.waitForSelector(tid('sync-progress'), { state: 'detached' });
});

test('main list virtualizes 100k rows and shows live counts', async () => {
  const page = await open({ tickets: 100000 });
  await main(page);
  await page.click(tid('view-all_open'));
  // Statuses cycle new, open, open, pending, solved, closed: 50,001 of 100k are open.
  await page.waitForFunction(() => document.querySelector('.total')?.textContent?.replace(/\D/g, '') === '50001');
  const rows = await page.$$eval(tid('ticket-row'), (r) => r.length);
  assert.ok(rows > 10 && rows < 100, `only the visible window is in the DOM (${rows} rows)`);
  const count = await page.textContent(`${tid('view-all_open')} ${tid('view-count')}`);
  assert.equal(count.trim(), '50001');
  await page.screenshot({ path: join(out, 'main.png') });
  await page.$eval(tid('ticket-list'), (el) => (el.scrollTop = el.scrollHeight));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="ticket-row"]')].some((r) => r.getAttribute('data-number') === '100999' || r.getAttribute('data-number') === '100998'));
  const after = await page.$$eval(tid('ticket-row'), (r) => r.length);
  assert.ok(after < 100, `still windowed at the bottom (${after} rows)`);
});

/** Every font the visible text uses: family, size, weight, style and numeric variant. */
function fontsOnScreen(page) {
  return page.evaluate(() => {
    const fonts = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement;
      if (!n.textContent.trim() || !e || !e.getClientRects().length || e.closest('.body')) continue;
      const c = getComputedStyle(e);
      fonts.add([c.fontFamily, c.fontSize, c.fontWeight, c.fontStyle, c.fontVariantNumeric].join(' '));
    }
    return [...fonts].sort();
  });
}

test('the window keeps to its type scale: few fonts to look up before the first paint', async () => {
  const page = await open({ tickets: 500 });
  await main(page);
  // WebKitGTK resolves neither system-ui nor ui-monospace: on Linux the stacks are the
  // generic families (app.css).
  assert.equal(await page.evaluate(() => document.documentElement.dataset.platform), 'linux');
  const first = await fontsOnScreen(page);
  assert.ok(first.length <= 8, `the first screen uses ${first.length} fonts:\n${first.join('\n')}`);
  await openTicket(page, 1002);
  const all = [...new Set([...first, ...(await fontsOnScreen(page))])];
  for (const f of all) {
    const [family, size, weight, style, numeric] = f.split(' ');
    assert.match(family, /^(sans-serif|monospace)$/, f);
    assert.ok(['11px', '12px', '13px', '15px'].includes(size), `size outside the scale: ${f}`);
    assert.ok(['400', '600'].includes(weight), `weight outside the scale: ${f}`);
    assert.equal(style, 'normal', f);
    assert.equal(numeric, 'normal', f);
  }
});

test('ticket detail renders the conversation, side panel and history', async () => {
  const page = await open({ tickets: 500 });
  await main(page);
  await page.click(`${tid('view-all_open')}`);
  await page.click(`${tid('ticket-row')} >> nth=1`);
  const d = await page.waitForSelector(tid('ticket-detail'));
  const n = await d.getAttribute('data-number');
  assert.ok(n, 'detail carries its number');
  const kinds = await page.$$eval(tid('message'), (m) => m.map((x) => x.getAttribute('data-kind')));
  assert.deepEqual(kinds, ['public', 'system', 'internal']);
  assert.match(await page.textContent(`${tid('message')}[data-kind="internal"]`), /Internal note/);
  await page.waitForSelector('text=ORD-');
  await page.waitForSelector('text=History');
  await page.screenshot({ path: join(out, 'detail.png') });
});

test('actions call the right commands with the right arguments', async () => {
  const page = await open({ tickets: 500 });
  await main(page);
  await openTicket(page, 1001);
  await page.click(tid('action-claim'));
  assert.deepEqual(await waitCall(page, 'claim'), { ticket: '1001' });
  await page.waitForSelector(`${tid('detail-assignee')}[data-email="agent1@demo.test"]`);

  await page.click(tid('composer-mode-reply'));
  await page.fill(tid('composer-input'), 'We are sending a replacement.');
  await page.press(tid('composer-input'), 'Control+Enter');
  assert.deepEqual(await waitCall(page, 'send_message'), { ticket: '1001', text: 'We are sending a replacement.', internal: false });
  await page.waitForSelector(`${tid('message')}[data-delivery="pending"]`);

  await page.click(tid('composer-mode-note'));
  await page.fill(tid('composer-input'), 'Checked with the warehouse.');
  await page.click(tid('composer-send'));
  await waitCall(page, 'send_message', (a) => a.internal === true && a.text === 'Checked with the warehouse.');

  await page.selectOption(tid('detail-status-select'), 'pending');
  const upd = await waitCall(page, 'update_ticket');
  assert.equal(upd.ticket, '1001');
  assert.equal(upd.edit.status, 'pending');

  await page.fill(tid('tag-input'), 'urgent-refund');
  await page.press(tid('tag-input'), 'Enter');
  assert.deepEqual(await waitCall(page, 'tag'), { ticket: '1001', tag: 'urgent-refund', add: true });
  await page.click('[aria-label="Remove tag urgent-refund"]');
  await waitCall(page, 'tag', (a) => a.add === false && a.tag === 'urgent-refund');

  await page.click(tid('action-close'));
  assert.deepEqual(await waitCall(page, 'close'), { ticket: '1001', note: null });
  await page.click(tid('action-reopen'));
  assert.deepEqual(await waitCall(page, 'reopen'), { ticket: '1001' });
  await page.screenshot({ path: join(out, 'actions.png') });
  assert.deepEqual(page.errors, []);
});

test('keyboard triage: j/k, Enter, a, r, s, t, /', async () => {
  const page = await open({ tickets: 500 });
  await main(page);
  await page.click(tid('view-unassigned'));
  await page.waitForFunction(() => document.querySelector('.list h2')?.textContent === 'Unassigned');
  await page.locator('body').click({ position: { x: 5, y: 500 } });
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  const selected = await page.getAttribute(`${tid('ticket-row')}[aria-selected="true"]`, 'data-number');
  const second = await page.getAttribute(`${tid('ticket-row')} >> nth=1`, 'data-number');
  assert.equal(selected, second, 'j j j k selects the second row');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${tid('ticket-detail')}[data-number="${selected}"]`);
  await page.keyboard.press('a');
  assert.deepEqual(await waitCall(page, 'claim'), { ticket: selected });
  await page.keyboard.press('r');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'composer-input');
  assert.equal(await page.getAttribute(tid('composer-mode-reply'), 'aria-pressed'), 'true');
  await page.keyboard.press('Escape');
  await page.keyboard.press('n');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'composer-input');
  assert.equal(await page.getAttribute(tid('composer-mode-note'), 'aria-pressed'), 'true');
  await page.keyboard.press('Escape');
  await page.keyboard.press('t');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'tag-input');
  await page.keyboard.press('Escape');
  await page.keyboard.press('s');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'detail-status-select');
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 500 } });
  await page.keyboard.press('/');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'search-input');
});

test('shortcuts do not fire inside the composer', async () => {
  const page = await open({ tickets: 50 });
  await main(page);
  await openTicket(page, 1004);
  await page.click(tid('composer-input'));
  await page.keyboard.type('jjkae rnst/?');
  assert.equal(await page.inputValue(tid('composer-input')), 'jjkae rnst/?');
  assert.deepEqual(await calls(page, 'claim'), []);
  assert.deepEqual(await calls(page, 'close'), []);
  assert.equal(await page.$(tid('help-overlay')), null);
  assert.equal(await page.getAttribute(`${tid('ticket-detail')}`, 'data-number'), '1004');
});

test('an XSS payload in a message renders inert', async () => {
  const page = await open({ tickets: 50 });
  await main(page);
  await openTicket(page, 1000);
  await page.waitForSelector('text=help page');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no handler or script ran');
  assert.equal(await page.$$eval(`${tid('message-body')} script, ${tid('message-body')} iframe, ${tid('message-body')} img`, (e) => e.length), 0);
  const plain = await page.textContent(`${tid('message')} >> nth=4`);
  assert.match(plain, /Plain text <img src=x onerror=window.__xss=6> <script>/, 'a text body shows its markup as text');
  assert.match(await page.textContent(`${tid('ticket-detail')} h2`), /<img src=x onerror/, 'subject is text');
  await page.click('text=click me');
  await page.click('text=evil.html');
  await page.click('text=help page');
  await page.waitForTimeout(100);
  const opened = await calls(page, 'plugin:opener|open_url');
  assert.deepEqual(opened.map((a) => a.url), ['https://example.com/help'], 'only the https link reaches the opener');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.ok(page.url().startsWith(url), 'the webview never navigated');
  await page.screenshot({ path: join(out, 'xss.png') });
});

test('conflict center lists conflicts and resolves with a choice', async () => {
  const page = await open({ tickets: 50 });
  await main(page);
  assert.equal((await page.textContent(tid('sync-conflict-count'))).trim(), '2');
  const bar = `button:has(${tid('sync-conflict-count')})`;
  assert.equal((await page.textContent(bar)).replace(/\s+/g, ' ').trim(), '2 conflicts');
  await page.click(tid('conflicts-open'));
  await page.waitForSelector(tid('conflict-center'));
  assert.equal(await page.$$eval(tid('conflict-item'), (e) => e.length), 2);
  await page.waitForSelector('text=We will send a replacement today.');
  await page.screenshot({ path: join(out, 'conflicts.png') });
  await page.click(`${tid('conflict-choice')}[data-choice="follow_up"]`);
  assert.deepEqual(await waitCall(page, 'resolve_conflict'), { id: 'cf-2', choice: 'follow_up' });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="conflict-item"]').length === 1);
  await page.keyboard.press('Escape');
  await page.waitForSelector(tid('conflict-center'), { state: 'detached' });
  // The status bar says "1 conflict", not "1 conflicts".
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.replace(/\s+/g, ' ').trim() === '1 conflict', bar);
});

test('status bar, settings, palette and help render; sync now and work offline call the shell', async () => {
  const page = await open({ tickets: 50 });
  await main(page);
  assert.equal(await page.getAttribute(tid('sync-status'), 'data-online'), 'true');
  await page.click(tid('sync-now'));
  await waitCall(page, 'sync_now');
  await page.click(tid('work-offline-toggle'));
  assert.deepEqual(await waitCall(page, 'set_offline'), { offline: true });
  await page.waitForSelector(`${tid('sync-status')}[data-online="false"]`);

  await page.click('[aria-label="Settings"]');
  await page.waitForSelector('text=70 MB');
  await page.screenshot({ path: join(out, 'settings.png') });
  await page.keyboard.press('Escape');

  await page.locator('body').click({ position: { x: 5, y: 500 } });
  await page.keyboard.press('Control+k');
  await page.waitForSelector(tid('command-palette'));
  await page.keyboard.type('unassig');
  await page.screenshot({ path: join(out, 'palette.png') });
  await page.keyboard.press('Enter');
  await page.waitForSelector(tid('command-palette'), { state: 'detached' });
  await page.waitForFunction(() => document.querySelector('.list h2')?.textContent === 'Unassigned');

  await page.keyboard.press('?');
  await page.waitForSelector(tid('help-overlay'));
  await page.screenshot({ path: join(out, 'help.png') });
  await page.keyboard.press('Escape');
  await page.waitForSelector(tid('help-overlay'), { state: 'detached' });
});

test('search shows filter chips, flags bad filters, and lists instant results', async () => {
  const page = await open({ tickets: 500 });
  await main(page);
  await page.click(tid('search-input'));
  await page.keyboard.type('status:open tag:billing');
  await page.waitForSelector(tid('search-hit'));
  assert.equal(await page.$$eval(tid('search-chip'), (c) => c.length), 2);
  await page.screenshot({ path: join(out, 'search.png') });
  await page.fill(tid('search-input'), 'stauts:open');
  await page.waitForSelector(tid('search-error'));
  const last = (await calls(page, 'search')).at(-1);
  assert.equal(last.text, 'status:open tag:billing', 'a query the core refuses is not sent');
});

test('saves the current search under a name and deletes it from the sidebar after confirming', async () => {
  const page = await open({ tickets: 500 });
  await main(page);
  assert.equal(await page.$(tid('save-search')), null, 'no save button while the box is empty');
  await page.click(tid('search-input'));
  await page.keyboard.type('tag:billing status:open');
  await page.click(tid('save-search'));
  await page.waitForSelector(tid('save-search-name'));
  assert.equal(await page.textContent(tid('save-search-query')), 'tag:billing status:open');
  await page.fill(tid('save-search-name'), '');
  assert.equal(await page.isDisabled(tid('save-search-submit')), true, 'a name is required');
  await page.fill(tid('save-search-name'), 'Open billing');
  await page.screenshot({ path: join(out, 'save-search.png') });
  await page.press(tid('save-search-name'), 'Enter');
  assert.deepEqual(await waitCall(page, 'save_search'), { name: 'Open billing', text: 'tag:billing status:open' });
  await page.waitForSelector(tid('save-search-name'), { state: 'detached' });
  const entry = `${tid('saved-search')}:has-text("Open billing")`;
  await page.waitForSelector(entry);
  // 500 tickets: billing on i % 4 == 0, status `open` on i % 6 in {1, 2}: i % 12 == 8, 41 of them.
  assert.equal((await page.textContent(`${entry} .count`)).trim(), '41');
  await page.click(`${entry} .view`);
  await page.waitForFunction(() => document.querySelector('.list h2')?.textContent === 'Open billing');

  await page.focus(`${entry} ${tid('saved-search-delete')}`);
  assert.equal(await page.getAttribute(`${entry} ${tid('saved-search-delete')}`, 'aria-label'), 'Delete the saved search Open billing');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${entry} ${tid('saved-search-delete-confirm')}`);
  await page.keyboard.press('Escape');
  await page.waitForSelector(`${entry} ${tid('saved-search-delete-confirm')}`, { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'saved-search-delete', 'focus returns to the delete button');
  assert.deepEqual(await calls(page, 'delete_saved_search'), [], 'cancelling deletes nothing');

  await page.click(`${entry} ${tid('saved-search-delete')}`);
  await page.click(`${entry} ${tid('saved-search-delete-confirm')}`);
  const deleted = await waitCall(page, 'delete_saved_search');
  assert.deepEqual(deleted, { id: 's-2' });
  await page.waitForSelector(entry, { state: 'detached' });
  await page.waitForFunction(() => document.querySelector('.list h2')?.textContent === 'My open');
  assert.ok(await page.$(`${tid('saved-search')}:has-text("Urgent")`), 'the other saved search stays');
  assert.deepEqual(page.errors, []);
});

test('the new-ticket dialog sends the NewTicket as filled in and opens the unnumbered ticket', async () => {
  const page = await open({ tickets: 50 });
  await main(page);
  await page.click(tid('new-ticket'));
  await page.waitForSelector(tid('create-ticket'));
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'create-subject', 'the subject has focus');
  assert.equal(await page.isDisabled(tid('create-submit')), true, 'no ticket without a subject');
  await page.fill(tid('create-subject'), 'Printer on fire');
  await page.fill(tid('create-description'), 'Smoke from tray 2.');
  await page.selectOption(tid('create-priority'), 'high');
  await page.selectOption(tid('create-type'), 'incident');
  await page.fill(tid('create-requester'), 'nobody@example.com');
  await page.fill(tid('create-tags'), ' vip, refund ,,');
  await page.uncheck(tid('create-assign-me'));
  await page.click(tid('create-submit'));
  const err = await page.waitForSelector(tid('create-error'));
  assert.match(await err.textContent(), /user not found: nobody@example.com/, 'the core error shows in the dialog');
  assert.ok(await page.$(tid('create-ticket')), 'the dialog stays open with what was typed');

  await page.fill(tid('create-requester'), 'ann@example.com');
  await page.screenshot({ path: join(out, 'create-ticket.png') });
  await page.click(tid('create-submit'));
  await page.waitForSelector(tid('create-ticket'), { state: 'detached' });
  const sent = (await calls(page, 'create_ticket')).at(-1);
  assert.deepEqual(sent, {
    newTicket: {
      subject: 'Printer on fire',
      description: 'Smoke from tray 2.',
      priority: 'high',
      type: 'incident',
      requester_email: 'ann@example.com',
      assign_to_me: false,
      tags: ['vip', 'refund'],
    },
  });
  const d = await page.waitForSelector(`${tid('ticket-detail')}:has(h2:text-is("Printer on fire"))`);
  assert.equal(await d.getAttribute('data-number'), '', 'offline-created ticket has no number yet');
  assert.match(await d.textContent(), /Not numbered yet/);
  assert.equal(await page.getAttribute(tid('detail-assignee'), 'data-email'), '');
  assert.deepEqual(await waitCall(page, 'ticket_detail', (a) => a.ticket === 'new-1'), { ticket: 'new-1' }, 'opened by the id create_ticket returned');
  assert.deepEqual(page.errors, []);
});

test('the new-ticket dialog through Sonzai offers only what its API takes', async () => {
  const page = await open({ tickets: 50, api: 'sonzai' });
  await main(page);
  await page.click(tid('new-ticket'));
  await page.waitForSelector(tid('create-ticket'));
  for (const f of ['create-priority', 'create-requester', 'create-tags', 'create-assign-me']) {
    assert.equal(await page.$(tid(f)), null, `${f} is not offered`);
  }
  assert.equal((await page.textContent(tid('create-limited'))).trim(), 'The Sonzai support API takes a subject, a description and a type; you are the requester.');
  await page.fill(tid('create-subject'), 'Invoice missing');
  await page.fill(tid('create-description'), 'No invoice for order 4411.');
  await page.selectOption(tid('create-type'), 'billing');
  await page.click(tid('create-submit'));
  await page.waitForSelector(tid('create-ticket'), { state: 'detached' });
  assert.deepEqual((await calls(page, 'create_ticket')).at(-1), {
    newTicket: { subject: 'Invoice missing', description: 'No invoice for order 4411.', priority: null, type: 'billing', requester_email: null, assign_to_me: false, tags: [] },
  });
  assert.deepEqual(page.errors, []);
});

test('sign out from Settings keeps or erases local data and returns to sign-in', async () => {
  const page = await open({ tickets: 50 });
  await main(page);
  await page.click('[aria-label="Settings"]');
  await page.click(tid('sign-out'));
  await page.waitForSelector(tid('signin-submit'));
  assert.deepEqual(await calls(page, 'sign_out'), [{ wipe: false }]);

  await page.click('text=Use demo account');
  await page.click(tid('signin-submit'));
  await main(page);
  await page.click('[aria-label="Settings"]');
  await page.click(tid('sign-out-wipe'));
  const confirm = await page.waitForSelector(tid('sign-out-wipe-confirm'));
  assert.deepEqual(await calls(page, 'sign_out'), [{ wipe: false }], 'erasing waits for the confirmation');
  await page.screenshot({ path: join(out, 'sign-out-confirm.png') });
  await confirm.click();
  await page.waitForSelector(tid('signin-submit'));
  assert.deepEqual(await calls(page, 'sign_out'), [{ wipe: false }, { wipe: true }]);
  assert.equal(await page.$(tid('ticket-list')), null, 'nothing of the old session stays on screen');
  assert.deepEqual(page.errors, []);
});

test('the command palette runs an action on the selected ticket', async () => {
  const page = await open({ tickets: 50 });
  await main(page);
  await page.click(tid('view-unassigned'));
  await page.waitForFunction(() => document.querySelector('.list h2')?.textContent === 'Unassigned');
  await page.locator('body').click({ position: { x: 5, y: 500 } });
  await page.keyboard.press('j');
  const selected = await page.getAttribute(`${tid('ticket-row')}[aria-selected="true"]`, 'data-number');
  await page.keyboard.press('Control+k');
  await page.waitForSelector(tid('command-palette'));
  await page.keyboard.type('claim');
  const first = page.locator(`${tid('palette-item')} >> nth=0`);
  assert.equal((await first.textContent()).trim().replace(/\s+/g, ' '), 'Claim ticket a');
  assert.equal(await first.getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await page.waitForSelector(tid('command-palette'), { state: 'detached' });
  assert.deepEqual(await waitCall(page, 'claim'), { ticket: selected });

  // The claimed ticket leaves Unassigned; the selection stays on the row now in its place.
  await page.waitForFunction((n) => !document.querySelector(`[data-testid="ticket-row"][data-number="${n}"]`), selected);
  const next = await page.getAttribute(`${tid('ticket-row')}[aria-selected="true"]`, 'data-number');
  await page.keyboard.press('Control+k');
  await page.keyboard.type('close tick');
  await page.keyboard.press('Enter');
  assert.deepEqual(await waitCall(page, 'close'), { ticket: next, note: null });
  assert.deepEqual(page.errors, []);
});

test('accessibility: named icon buttons, labelled fields, listbox semantics, focus rings in both themes', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await open({ tickets: 200 }, { colorScheme });
    await main(page);
    await openTicket(page, 1002);
    await page.waitForSelector(tid('message'));
    assert.deepEqual(await a11yProblems(page), [], `${colorScheme}: main screen with a ticket open`);

    await page.locator('body').click({ position: { x: 5, y: 500 } });
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    const active = await page.getAttribute(tid('ticket-list'), 'aria-activedescendant');
    const row = page.locator(`#${active}`);
    assert.equal(await row.getAttribute('aria-selected'), 'true', 'the list points at the selected row');
    assert.equal(await row.getAttribute('role'), 'option');
    assert.equal(await row.getAttribute('aria-posinset'), '2');
    assert.match(await row.getAttribute('aria-label'), /^#\d+ .+, (New|Open|Pending|Solved|Closed), \w+ priority, (assigned to .+|unassigned), updated /);
    assert.equal(await page.$$eval('[role="listbox"][aria-label="Ticket list"]', (l) => l.length), 1);

    await page.keyboard.press('Control+k');
    await page.keyboard.type('go to');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute(tid('palette-input'), 'aria-activedescendant'), 'palette-item-1', 'the palette announces the highlighted command');
    assert.deepEqual(await a11yProblems(page), [], `${colorScheme}: command palette`);
    await page.keyboard.press('Escape');

    await page.click('[aria-label="Settings"]');
    assert.deepEqual(await a11yProblems(page), [], `${colorScheme}: settings`);
    await page.keyboard.press('Escape');

    await page.locator('body').click({ position: { x: 5, y: 500 } });
    assert.deepEqual(await focusRings(page, 40), [], `${colorScheme}: every tab stop shows the focus ring`);
    assert.deepEqual(page.errors, []);
  }
});

test('dark theme follows the system', async () => {
  const page = await open({ tickets: 500 }, { colorScheme: 'dark' });
  await main(page);
  await openTicket(page, 1002);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(22, 24, 29)');
  await page.screenshot({ path: join(out, 'main-dark.png') });
});

// UI_PW_ONLY=<regex> runs the matching tests only (while working on one screen).
const only = process.env.UI_PW_ONLY ? new RegExp(process.env.UI_PW_ONLY) : null;
const selected = only ? tests.filter((t) => only.test(t.name)) : tests;
let failed = 0;
for (const t of selected) {
  const start = Date.now();
  lastPage = null;
  try {
    await t.fn();
    console.log(`ok   ${t.name} (${Date.now() - start} ms)`);
  } catch (e) {
    failed++;
    await lastPage?.screenshot({ path: join(out, `FAILED-${t.name.replace(/\W+/g, '-').slice(0, 60)}.png`) }).catch(() => undefined);
    console.log(`FAIL ${t.name}\n     ${String(e?.stack ?? e).split("\n").slice(0, process.env.UI_PW_ONLY ? 80 : 6).join("\n     ")}`);
  }
}
await browser.close();
server.close();
console.log(`${selected.length - failed}/${selected.length} passed; screenshots in ${out}`);
process.exit(failed ? 1 : 0);
