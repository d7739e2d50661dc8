// Desktop app benchmark (issue 4). Run through scripts/app-bench.sh, which prepares a
// synced profile and the matching server database and starts the desktop session.
//
// Measures, in the real app (release build unless --debug) through tauri-driver:
//   - cold start: process spawn (the launcher's timestamp) → first ticket row in the
//     DOM and painted (observed in the page, so WebDriver round trips add nothing);
//   - `j` → next ticket's detail painted, p95 of N: in the page, performance.now() at
//     the keydown, then the detail's data-number changes and its content is there,
//     then the frame after it was painted (requestAnimationFrame + a task);
//   - search keystroke → results painted, p95 of N, the same way;
//   - memory (RSS and PSS from /proc/<pid>/smaps_rollup) of the app and every process
//     under it (WebKit's web and network processes), idle and after scrolling the
//     whole All open list to its end (3 s and 30 s after);
//   - the same stack's floor in the same run: an empty Tauri window's cold starts and
//     idle memory (src-tauri/examples/empty-window.rs), the first start of each on a
//     cold page cache.
// Options: --runs N (cold starts, default 3), --iterations N (default 50),
// --no-scroll, --app-env K=V, --json FILE (default e2e/bench-artifacts/results.json).
// --compare OTHER_BIN: only warm starts, alternating the app and OTHER_BIN (RUNS each,
// after one unmeasured start of each), so two builds meet the same machine load; prints
// each one's start and its in-page part (document → painted) side by side.

import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Api, DemoServer, Driver, REPO, Shots, WEBKIT_FILES, dropFromPageCache, freePort, log, memory, waitFor, writeLauncher } from './lib/harness.mjs';
import { tid } from './lib/page.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const RUNS = Number(opt('--runs', 3));
// --app-env K=V (repeatable): extra environment for the app (not the baseline), to
// measure a setting without a rebuild.
const APP_ENV = Object.fromEntries(
  argv.flatMap((a, i) => (a === '--app-env' && argv[i + 1]?.includes('=') ? [argv[i + 1].split(/=(.*)/s, 2)] : [])),
);
const N = Number(opt('--iterations', 50));
const SCROLL = !argv.includes('--no-scroll');
const COMPARE = opt('--compare', null);
const artifacts = path.join(REPO, 'e2e/bench-artifacts');
const jsonOut = opt('--json', path.join(artifacts, 'results.json'));

const cache = process.env.OUTPOST_BENCH_CACHE;
const serverBin = process.env.OUTPOST_BENCH_SERVER_BIN;
const appBin = process.env.OUTPOST_APP_BIN;
const label = process.env.OUTPOST_BENCH_LABEL || '';
const baselineBin = process.env.OUTPOST_BENCH_BASELINE_BIN;
if (!cache || !serverBin || !appBin) {
  console.error('bench.mjs: run it through scripts/app-bench.sh (OUTPOST_BENCH_CACHE, OUTPOST_BENCH_SERVER_BIN, OUTPOST_APP_BIN)');
  process.exit(2);
}

function quantile(samples, q) {
  if (!samples.length) return NaN;
  const v = [...samples].sort((a, b) => a - b);
  return v[Math.min(v.length, Math.max(1, Math.ceil(q * v.length))) - 1];
}

// Resolves once the frame showing the current DOM has been painted: rAF callbacks run
// before the paint, a task queued from one runs after it.
const AFTER_PAINT = `
  const afterPaint = () => new Promise((r) => requestAnimationFrame(() => {
    const ch = new MessageChannel(); ch.port1.onmessage = () => r(); ch.port2.postMessage(0);
  }));
  const until = (check, timeoutMs, what) => new Promise((res, rej) => {
    if (check()) return res();
    const mo = new MutationObserver(() => { if (check()) { mo.disconnect(); clearTimeout(to); res(); } });
    mo.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
    const to = setTimeout(() => { mo.disconnect(); rej(new Error('timed out waiting for ' + what)); }, timeoutMs);
  });
`;

// Cold start probe, run repeatedly from the moment the session exists: installs an
// observer that stamps the first ticket row (and the frame after it), survives a
// document replacement by reinstalling.
const FIRST_ROW = `
  const w = window;
  if (!w.__obench) {
    w.__obench = { installedAt: Date.now(), timeOrigin: performance.timeOrigin };
    const row = () => document.querySelector('[data-testid="ticket-row"]');
    const stamp = (already) => {
      w.__obench.row = Date.now(); w.__obench.already = already;
      requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = () => { w.__obench.painted = Date.now(); }; ch.port2.postMessage(0); });
    };
    if (row()) stamp(true);
    else {
      const mo = new MutationObserver(() => { if (row()) { mo.disconnect(); stamp(false); } });
      mo.observe(document, { childList: true, subtree: true });
    }
  }
  return w.__obench;
`;

const J_LOOP = `
  const [n, timeoutMs] = arguments; const done = arguments[arguments.length - 1];
  ${AFTER_PAINT}
  const detail = () => document.querySelector('[data-testid="ticket-detail"]');
  // samples: keydown → painted; dom: keydown → the new ticket in the DOM (script and
  // Svelte's update; the rest is style, layout and paint).
  const samples = [];
  const dom = [];
  (async () => {
    for (let i = 0; i < n; i++) {
      const before = detail() && detail().getAttribute('data-number');
      const t0 = performance.now();
      const target = document.activeElement && document.activeElement !== document.body ? document.activeElement : document.body;
      target.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', code: 'KeyJ', bubbles: true, cancelable: true }));
      await until(() => {
        const d = detail();
        return d && d.getAttribute('data-number') !== before && d.getAttribute('aria-busy') !== 'true'
          && !!d.querySelector('[data-testid="detail-status"]');
      }, timeoutMs, 'the next ticket after ' + before);
      dom.push(performance.now() - t0);
      await afterPaint();
      samples.push(performance.now() - t0);
    }
    done({ ok: true, samples, dom });
  })().catch((e) => done({ ok: false, error: String(e), samples }));
`;

// Each iteration replaces the query with the next word (one input event, as a
// keystroke produces) and waits until the result list (search-hit rows under
// search-results) shows a different set than before, then for the paint. Consecutive
// words have different matches, so every iteration must repaint the list.
const SEARCH_LOOP = `
  const [n, timeoutMs, words] = arguments; const done = arguments[arguments.length - 1];
  ${AFTER_PAINT}
  const input = document.querySelector('[data-testid="search-input"]');
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const hits = () => {
    const box = document.querySelector('[data-testid="search-results"]');
    if (!box) return null;
    return Array.from(box.querySelectorAll('[data-testid="search-hit"]')).map((h) => h.textContent).join('\\n');
  };
  const samples = [];
  const dom = [];
  const counts = [];
  (async () => {
    input.focus();
    for (let i = 0; i < n; i++) {
      const word = words[i % words.length];
      const before = hits();
      const t0 = performance.now();
      setValue.call(input, word);
      input.dispatchEvent(new InputEvent('input', { bubbles: true, data: word.slice(-1), inputType: 'insertText' }));
      await until(() => { const h = hits(); return h !== null && h !== before && h !== ''; }, timeoutMs, 'new results for ' + word);
      dom.push(performance.now() - t0);
      await afterPaint();
      samples.push(performance.now() - t0);
      counts.push(document.querySelectorAll('[data-testid="search-hit"]').length);
    }
    done({ ok: true, samples, dom, counts });
  })().catch((e) => done({ ok: false, error: String(e), samples }));
`;

// Scrolls the ticket list's scroll container to the end, a few screens per frame, and
// keeps going while it grows (lists that load pages as they scroll).
const SCROLL_ALL = `
  const [timeoutMs] = arguments; const done = arguments[arguments.length - 1];
  const list = document.querySelector('[data-testid="ticket-list"]');
  const scroller = (() => {
    for (let e = list; e; e = e.parentElement) if (e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible') return e;
    for (const e of list.querySelectorAll('*')) if (e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible') return e;
    return null;
  })();
  if (!scroller) return done({ ok: false, error: 'no scrollable ticket list' });
  const t0 = performance.now();
  let frames = 0, still = 0, maxRows = 0, endAt = null;
  // The last row of the view painted (its page loaded), not a placeholder.
  const lastRow = () => {
    const rows = document.querySelectorAll('[data-testid="ticket-row"]');
    const r = rows[rows.length - 1];
    return r && r.getAttribute('aria-posinset') === r.getAttribute('aria-setsize') ? r : null;
  };
  const step = () => {
    frames++;
    maxRows = Math.max(maxRows, document.querySelectorAll('[data-testid="ticket-row"]').length);
    const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2;
    if (atEnd && endAt === null) endAt = performance.now();
    still = atEnd ? still + 1 : 0;
    if (still > 30 && lastRow()) return done({ ok: true, ms: performance.now() - t0, frames, scrollHeight: scroller.scrollHeight, maxRowsInDom: maxRows, endRowsMs: performance.now() - endAt, last: lastRow().getAttribute('data-number') });
    if (performance.now() - t0 > timeoutMs) return done({ ok: false, error: 'not at the end after ' + timeoutMs + ' ms', scrollTop: scroller.scrollTop, scrollHeight: scroller.scrollHeight });
    scroller.scrollTop += scroller.clientHeight * 3;
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
`;

// Words of the demo data (crates/outpost-server/src/demo.rs), each matching tickets.
const SEARCH_WORDS = ['refund', 'damaged', 'invoice', 'delivery', 'password', 'charged', 'replacement', 'tracking', 'cancel', 'address', 'payment', 'account'];

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const work = fs.mkdtempSync('/var/tmp/outpost-bench/run-');
  const shots = new Shots(artifacts);
  const results = { label, runs: RUNS, iterations: N, appEnv: APP_ENV, coldStartMs: [], coldStartAlreadyPresent: 0, starts: [] };
  const driver = new Driver(work);
  let server;
  try {
    fs.copyFileSync(path.join(cache, 'server.db'), path.join(work, 'server.db'));
    server = new DemoServer(serverBin, path.join(work, 'server.db'), await freePort(), work);
    await server.start(120_000);
    const token = await new Api(server.url).login('agent1@demo.test');
    await driver.start();

    if (COMPARE) {
      await compareStarts(driver, (name, bin) => launchApp(driver, work, server, token, name, bin));
      return;
    }
    if (baselineBin) results.baseline = await measureBaseline(driver, work);

    for (let run = 1; run <= RUNS; run++) {
      // The first run starts on a cold page cache: the profile just copied, the app
      // binary and WebKit's libraries are read from disk again.
      const { session, appDir, profile } = await launchApp(driver, work, server, token, `${run}`, appBin, run === 1);
      try {
        const probe = await firstRowPainted(session);
        const ms = probe.painted - spawnedAt(appDir);
        results.coldStartMs.push(ms);
        results.starts.push(startRecord(probe, appDir));
        if (probe.already) results.coldStartAlreadyPresent++;
        log(`run ${run}${run === 1 ? ' (cold page cache)' : ''}: cold start to the first ticket row painted: ${ms} ms${probe.already ? (probe.late ? " (done before WebDriver looked: the page's own record)" : ' (row already there at the first probe: an upper bound)') : ''}; webview document started ${Math.round(probe.timeOrigin - spawnedAt(appDir))} ms after spawn`);
        if (run > 1) log(`  where the time went, ms after spawn: ${await startTimeline(session, spawnedAt(appDir), probe)}`);
        if (run === 1) await shots.take(session, 'cold-start');
        if (run < RUNS) continue;

        await measureInSession(session, pidOf(appDir), results, shots);
      } finally {
        await session.delete().catch((e) => log(`closing the session: ${e.message}`));
        fs.rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    await driver.stop();
    if (server) await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
  report(results);
  fs.writeFileSync(jsonOut, JSON.stringify(results, null, 2));
  log(`results in ${path.relative(REPO, jsonOut)}`);
}

/**
 * The app started on a fresh copy of the synced profile: its WebDriver session, its
 * launcher's directory (spawn time, pid, log) and the profile, for the caller to remove.
 */
async function launchApp(driver, work, server, token, name, bin, coldCache = false) {
  const profile = path.join(work, `profile-${name}`);
  fs.cpSync(path.join(cache, 'profile'), profile, { recursive: true });
  const cfgFile = path.join(profile, 'profile.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  cfg.server = server.url;
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 2));
  if (coldCache) coldPageCache([profile, bin]);
  const appDir = path.join(work, `app-${name}`);
  const launcher = writeLauncher(appDir, bin, {
    OUTPOST_PROFILE: profile,
    OUTPOST_SERVER: server.url,
    // Headless token (read-only): the profile's server URL changes every run, so a
    // keychain entry made by the sync would not match.
    OUTPOST_TOKEN: token,
    ...APP_ENV,
  });
  return { session: await driver.session(launcher), appDir, profile };
}

/**
 * Two builds' warm starts, interleaved (A, B, A, B, …) so both meet the same load on a
 * shared machine; per build: spawn → painted and its in-page part, document → painted.
 */
async function compareStarts(driver, launch) {
  const builds = [['A', appBin], ['B', COMPARE]];
  const seen = { A: { start: [], page: [] }, B: { start: [], page: [] } };
  for (let run = 0; run <= RUNS; run++) {
    for (const [name, bin] of builds) {
      const { session, appDir, profile } = await launch(`${name}${run}`, bin);
      try {
        const probe = await firstRowPainted(session);
        if (run === 0) continue; // warms the page cache for this build
        seen[name].start.push(probe.painted - spawnedAt(appDir));
        seen[name].page.push(Math.round(probe.painted - probe.timeOrigin));
      } finally {
        await session.delete().catch((e) => log(`closing the session: ${e.message}`));
        fs.rmSync(profile, { recursive: true, force: true });
      }
    }
  }
  const line = (xs) => `median ${quantile(xs, 0.5)}, slowest ${Math.max(...xs)} (${xs.join(', ')})`;
  for (const [name, bin] of builds) {
    log(`${name} ${bin}\n    spawn → painted: ${line(seen[name].start)}\n    document → painted: ${line(seen[name].page)}`);
  }
}

function coldPageCache(paths) {
  const n = dropFromPageCache([...paths, ...WEBKIT_FILES]);
  log(`dropped ${n} files from the page cache`);
}

// What writeLauncher's script recorded in its directory: the spawn time, the pid.
function spawnedAt(appDir) {
  return Number(fs.readFileSync(path.join(appDir, 'spawned-at'), 'utf8'));
}

/** A start in absolute times (ms since the epoch), to line it up with a system profile. */
function startRecord(probe, appDir) {
  return { spawned: spawnedAt(appDir), document: Math.round(probe.timeOrigin), row: probe.row, painted: probe.painted };
}

function pidOf(appDir) {
  return Number(fs.readFileSync(path.join(appDir, 'app.pid'), 'utf8'));
}

/**
 * The page's own record of its start, as one line of "what start→end" in ms after the
 * process was spawned: navigation timing (the document, DOMContentLoaded) and the UI's
 * user timing marks (`outpost:*`, with a mark's detail: `outpost:booted (in the page)`
 * when the page carried the start-up answer). WebKitGTK keeps no resource timing for
 * the app's own schemes, so the bundle and the IPC calls show only through those marks.
 */
async function startTimeline(session, spawned, probe) {
  const t = await session.exec(`
    const o = performance.timeOrigin;
    const nav = performance.getEntriesByType('navigation')[0];
    const out = [];
    if (nav) out.push(['document', o + nav.startTime, o + nav.responseEnd], ['DOMContentLoaded', o + nav.domContentLoadedEventStart, o + nav.domContentLoadedEventEnd]);
    for (const m of performance.getEntriesByType('mark')) out.push([typeof m.detail === 'string' ? m.name + ' (' + m.detail + ')' : m.name, o + m.startTime, o + m.startTime]);
    return out;`);
  const rel = (ms) => Math.round(ms - spawned);
  const parts = t
    .filter(([, a]) => a - spawned < probe.painted - spawned)
    .sort((a, b) => a[1] - b[1])
    .map(([n, a, b]) => (a === b ? `${n} ${rel(a)}` : `${n} ${rel(a)}→${rel(b)}`));
  parts.push(probe.late ? `painted ${rel(probe.painted)}` : `first row ${rel(probe.row)}, painted ${rel(probe.painted)}`);
  return parts.join('; ');
}

/**
 * When the first ticket row was painted, in ms since the epoch (`painted`), with the
 * document's start (`timeOrigin`) and the row's arrival in the DOM (`row`). A start can
 * be done before WebDriver's session answers, so a row found already there is timed by
 * the page's own record instead of the probe's late look: the app's
 * `outpost:list-painted` mark, or, on a page without the app's marks (the empty
 * window, whose one line is all it paints), WebKit's first contentful paint.
 */
async function firstRowPainted(session) {
  const probe = await waitFor(
    'the first ticket row painted',
    async () => {
      const p = await session.exec(FIRST_ROW);
      return p.painted && p;
    },
    { timeoutMs: 120_000, intervalMs: 20 },
  );
  if (!probe.already) return probe;
  const own = await waitFor(
    "the page's record of its first paint",
    () =>
      session.exec(`
        const at = (e) => e && performance.timeOrigin + e.startTime;
        const mark = performance.getEntriesByName('outpost:list-painted')[0];
        if (mark) return { painted: at(mark) };
        if (performance.getEntriesByName('outpost:script').length) return null; // the app, not yet painted
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return fcp ? { painted: at(fcp) } : { painted: null };`),
    { timeoutMs: 2_000, intervalMs: 20 },
  ).catch(() => ({ painted: null })); // a build without the mark: the probe's upper bound
  return own.painted ? { ...probe, painted: Math.round(own.painted), late: true } : probe;
}

/**
 * The floor of the stack, measured the same way in the same run: an empty Tauri 2
 * window on the same WebKitGTK (src-tauri/examples/empty-window.rs), started RUNS
 * times (the first on a cold page cache), then its memory 5 s after its last start.
 */
async function measureBaseline(driver, work) {
  const b = { coldStartMs: [] };
  for (let run = 1; run <= RUNS; run++) {
    if (run === 1) coldPageCache([baselineBin]);
    const dir = path.join(work, `baseline-${run}`);
    const session = await driver.session(writeLauncher(dir, baselineBin, {}));
    try {
      const probe = await firstRowPainted(session);
      b.coldStartMs.push(probe.painted - spawnedAt(dir));
      (b.documentStartMs ??= []).push(Math.round(probe.timeOrigin - spawnedAt(dir)));
      (b.starts ??= []).push(startRecord(probe, dir));
      if (run === RUNS) {
        await sleep(5000);
        b.memoryIdle = memory(pidOf(dir));
      }
    } finally {
      await session.delete().catch((e) => log(`closing the baseline session: ${e.message}`));
    }
  }
  log(`baseline (an empty Tauri window): cold starts ${b.coldStartMs.join(' / ')} ms, its document started ${b.documentStartMs.join(' / ')} ms after spawn; idle PSS ${b.memoryIdle.pssMiB.toFixed(0)} MiB`);
  return b;
}

async function measureInSession(session, pid, results, shots) {
  // Idle: the start-up sync done, then a few quiet seconds.
  await waitFor('the app idle (no sync in progress)', async () =>
    session.exec(`const p = document.querySelector('[data-testid="sync-progress"]'); return !p || p.getClientRects().length === 0;`),
    { timeoutMs: 120_000, intervalMs: 200 });
  await sleep(5000);
  results.memoryIdle = memory(pid);
  log(`memory idle: RSS ${results.memoryIdle.rssMiB.toFixed(0)} MiB, PSS ${results.memoryIdle.pssMiB.toFixed(0)} MiB over ${results.memoryIdle.procs.length} processes`);

  // j: select the first row of the current view, leave every text field.
  const first = (await session.findAll(tid('ticket-row')))[0];
  await first.click();
  await waitFor('a ticket open', () => session.exec(`return !!document.querySelector('[data-testid="ticket-detail"][data-number]');`));
  await session.exec('document.activeElement && document.activeElement.blur();');
  await session.execAsync(J_LOOP, [5, 10_000]); // warm-up
  const j = await session.execAsync(J_LOOP, [N, 10_000], 300_000);
  if (!j.ok) throw new Error(`j loop: ${j.error} after ${j.samples.length} samples`);
  results.jMs = j.samples;
  results.jDomMs = j.dom;
  log(`j → next ticket painted: p50 ${quantile(j.samples, 0.5).toFixed(1)} ms, p95 ${quantile(j.samples, 0.95).toFixed(1)} ms over ${j.samples.length}; in the DOM: p50 ${quantile(j.dom, 0.5).toFixed(1)}, p95 ${quantile(j.dom, 0.95).toFixed(1)} ms`);
  await shots.take(session, 'after-j');

  // Search.
  await session.execAsync(SEARCH_LOOP, [5, 10_000, SEARCH_WORDS.slice().reverse()]);
  const s = await session.execAsync(SEARCH_LOOP, [N, 10_000, SEARCH_WORDS], 300_000);
  if (!s.ok) throw new Error(`search loop: ${s.error} after ${s.samples.length} samples`);
  results.searchMs = s.samples;
  results.searchDomMs = s.dom;
  log(`search keystroke → results painted: p50 ${quantile(s.samples, 0.5).toFixed(1)} ms, p95 ${quantile(s.samples, 0.95).toFixed(1)} ms over ${s.samples.length}; in the DOM: p50 ${quantile(s.dom, 0.5).toFixed(1)}, p95 ${quantile(s.dom, 0.95).toFixed(1)} ms`);
  await shots.take(session, 'search');
  await session.exec(`const i = document.querySelector('[data-testid="search-input"]');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(i, '');
    i.dispatchEvent(new InputEvent('input', { bubbles: true })); i.blur();`);

  // Before the scroll: what opening tickets and searching left behind, so the scroll's
  // own share of the memory after it is visible.
  await sleep(3000);
  results.memoryAfterJSearch = memory(pid);
  log(`memory 3 s after j and search: RSS ${results.memoryAfterJSearch.rssMiB.toFixed(0)} MiB, PSS ${results.memoryAfterJSearch.pssMiB.toFixed(0)} MiB`);

  if (SCROLL) {
    await (await session.find(tid('view-all_open'))).click();
    await sleep(500);
    const count = await session.exec(`const c = document.querySelector('[data-testid="view-all_open"] [data-testid="view-count"]'); return c ? c.textContent.trim() : null;`);
    const sc = await session.execAsync(SCROLL_ALL, [600_000], 700_000);
    if (!sc.ok) throw new Error(`scroll: ${JSON.stringify(sc)}`);
    results.scroll = { ...sc, viewCount: count };
    log(`scrolled All open (${count} tickets) to the end in ${(sc.ms / 1000).toFixed(1)} s, ${sc.frames} frames; at most ${sc.maxRowsInDom} rows in the DOM; the last row (#${sc.last}) painted ${sc.endRowsMs.toFixed(0)} ms after reaching the end`);
    await shots.take(session, 'scrolled-to-end');
    await sleep(3000);
    results.memoryScrolledAt3s = memory(pid);
    log(`memory 3 s after scrolling: RSS ${results.memoryScrolledAt3s.rssMiB.toFixed(0)} MiB, PSS ${results.memoryScrolledAt3s.pssMiB.toFixed(0)} MiB`);
    // What stays: allocators hand freed memory back to the system a while later.
    await sleep(27_000);
    results.memoryScrolled = memory(pid);
    log(`memory 30 s after scrolling: RSS ${results.memoryScrolled.rssMiB.toFixed(0)} MiB, PSS ${results.memoryScrolled.pssMiB.toFixed(0)} MiB`);
  }
}

function report(r) {
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const verdict = (v, limit) => (Number.isFinite(v) ? (v < limit ? 'PASS' : 'MISS') : '—');
  const warm = (runs) => (runs.length > 1 ? Math.max(...runs.slice(1)) : NaN);
  const b = r.baseline || { coldStartMs: [] };
  const j95 = quantile(r.jMs || [], 0.95);
  const s95 = quantile(r.searchMs || [], 0.95);
  const mem = (m) => (m ? `PSS ${f(m.pssMiB)} MiB (RSS ${f(m.rssMiB)})` : '—');
  const rows = [
    ['measurement', 'Outpost', 'empty Tauri window', 'target', ''],
    ['cold start → list painted, cold page cache', `${f(r.coldStartMs[0])} ms`, `${f(b.coldStartMs[0])} ms`, '< 1000 ms', verdict(r.coldStartMs[0], 1000)],
    [`cold start → list painted, warm (slowest of ${Math.max(0, r.coldStartMs.length - 1)})`, `${f(warm(r.coldStartMs))} ms (${r.coldStartMs.slice(1).join(', ')})`, `${f(warm(b.coldStartMs))} ms`, '< 400 ms', verdict(warm(r.coldStartMs), 400)],
    ['j → next ticket painted, p95 (p50)', `${f(j95, 1)} ms (${f(quantile(r.jMs || [], 0.5), 1)})`, '', '< 30 ms', verdict(j95, 30)],
    ['search keystroke → results painted, p95 (p50)', `${f(s95, 1)} ms (${f(quantile(r.searchMs || [], 0.5), 1)})`, '', '< 60 ms', verdict(s95, 60)],
    ['memory idle, the process tree', mem(r.memoryIdle), mem(b.memoryIdle), '< 300 MiB PSS', verdict(r.memoryIdle?.pssMiB, 300)],
    ['memory 30 s after scrolling all open tickets (at 3 s)', `${mem(r.memoryScrolled)} (${mem(r.memoryScrolledAt3s)})`, '', '< 400 MiB PSS', verdict(r.memoryScrolled?.pssMiB, 400)],
  ];
  console.log(`\nDesktop app benchmark (${r.label}; ${r.iterations} iterations; the empty window measured in the same run)`);
  const w = [0, 0, 0, 0, 0];
  for (const row of rows) row.forEach((c, i) => (w[i] = Math.max(w[i], c.length)));
  for (const row of rows) console.log('  ' + row.map((c, i) => c.padEnd(w[i])).join('  |  '));
  const mib = (kib) => (kib / 1024).toFixed(0);
  for (const [name, m] of [['Outpost idle', r.memoryIdle], ['Outpost after j and search', r.memoryAfterJSearch], ['Outpost after scrolling', r.memoryScrolled], ['empty window idle', b.memoryIdle]]) {
    if (!m) continue;
    console.log(`  ${name}: ` + m.procs.map((p) => `${p.comm}[${p.pid}] PSS ${mib(p.pssKiB)} (anon ${mib(p.anonKiB)}, file ${mib(p.fileKiB)}, shmem ${mib(p.shmemKiB)}) MiB`).join('; '));
  }
}

await main().then(
  () => process.exit(0),
  (e) => {
    log(`bench failed: ${e.stack || e.message}`);
    process.exit(1);
  },
);
