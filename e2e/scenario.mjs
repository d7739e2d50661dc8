// End to end in the real app (issue 4): the Tauri binary on WebKitGTK, driven through
// tauri-driver + WebKitWebDriver, against a real outpost-server on SQLite.
//
//   sign in as agent1 → first sync → open an unassigned ticket A → claim it → reply
//   (delivered) → the server dies → offline: reply to A and close it (pending), claim
//   ticket B → meanwhile agent2 claims B on the server → the server comes back on the
//   same port and database → A's reply and close are on the server exactly once, and
//   the app shows the lost claim of B in the conflict center.
//
// Then through a connector: a second server on the same database offering only the
// OnDi support API → sign out (erasing the cache) → sign in with "API token", OnDi,
// agent1's API key → the ticket list fills through the connector, the status bar
// names the OnDi API, and what that API lacks (status edits) is disabled.
//
// Run it through scripts/e2e.sh (Xvfb, D-Bus, keyring); it starts the server,
// tauri-driver and the app itself, and writes screenshots and logs to
// e2e/artifacts/ (OUTPOST_E2E_ARTIFACTS). Exit status 0 only when every check held.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Api,
  DemoServer,
  Driver,
  REPO,
  Shots,
  TARGET,
  createApiKey,
  freePort,
  log,
  makeDemoDb,
  requireFile,
  tail,
  waitFor,
  writeLauncher,
} from './lib/harness.mjs';
import { exists, messagesWith, state, tid } from './lib/page.mjs';

// Slow CI machines: OUTPOST_E2E_TIMEOUT_SCALE=2 doubles every wait.
const SCALE = Number(process.env.OUTPOST_E2E_TIMEOUT_SCALE || 1);
const T = (ms) => ms * SCALE;
const TICKETS = Number(process.env.OUTPOST_E2E_TICKETS || 200);
const artifacts = path.resolve(process.env.OUTPOST_E2E_ARTIFACTS || path.join(REPO, 'e2e/artifacts'));

class CheckFailed extends Error {
  fatal = true;
}
function check(ok, message) {
  if (!ok) throw new CheckFailed(message);
  log(`ok: ${message}`);
}

async function main() {
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-'));
  const logDir = artifacts;
  const serverBin = requireFile(
    path.join(TARGET, 'debug/outpost-server'),
    'build it: cargo build -p outpost-server',
  );
  const appBin = requireFile(
    process.env.OUTPOST_APP_BIN || path.join(TARGET, 'debug/outpost-app'),
    'build it: make app-build (or cargo build -p outpost-app)',
  );

  const db = path.join(work, 'server.db');
  log(`demo database with ${TICKETS} tickets: ${db}`);
  await makeDemoDb(serverBin, db, { tickets: TICKETS, messagesPerTicket: 3, logDir });
  const server = new DemoServer(serverBin, db, await freePort(), logDir);
  await server.start();
  log(`server ${server.url}`);
  const api = new Api(server.url);
  const adminToken = await api.login('admin@demo.test');
  const agent2Token = await api.login('agent2@demo.test');

  const driver = new Driver(logDir);
  await driver.start();
  log(`tauri-driver ${driver.url}`);

  const appDir = path.join(work, 'app');
  const launcher = writeLauncher(appDir, appBin, {
    OUTPOST_PROFILE: path.join(work, 'profile'),
    OUTPOST_SERVER: server.url,
    RUST_LOG: process.env.RUST_LOG || 'info',
  });
  const shots = new Shots(artifacts);
  let session;
  let ok = false;
  try {
    session = await driver.session(launcher);
    log(`app session ${session.id} (pid ${fs.readFileSync(path.join(appDir, 'app.pid'), 'utf8').trim()})`);
    await runScenario({ session, shots, server, api, adminToken, agent2Token });
    await runConnector({ session, shots, serverBin, db, logDir });
    ok = true;
  } catch (e) {
    log(`FAILED: ${e.message}`);
    if (session) {
      await shots.take(session, 'failure');
      try {
        fs.writeFileSync(path.join(artifacts, 'failure-state.json'), JSON.stringify(await state(session), null, 2));
        fs.writeFileSync(path.join(artifacts, 'failure-page.html'), await session.source());
      } catch (e2) {
        log(`could not read the page after the failure: ${e2.message}`);
      }
    }
    log(`app log (tail):\n${tail(path.join(appDir, 'app.log'), 40)}`);
    if (!(e instanceof CheckFailed)) log(e.stack);
  } finally {
    if (session) await session.delete().catch((e) => log(`closing the session: ${e.message}`));
    await driver.stop();
    await server.kill();
    for (const f of ['app.log']) {
      try {
        fs.copyFileSync(path.join(appDir, f), path.join(artifacts, f));
      } catch {
        // no log
      }
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
  log(ok ? `PASS (artifacts in ${path.relative(REPO, artifacts)})` : `FAIL (artifacts in ${path.relative(REPO, artifacts)})`);
  return ok;
}

async function click(session, selector, what) {
  const el = await waitFor(`${what} (${selector}) to appear`, async () => {
    const els = await session.findAll(selector);
    return els[0];
  }, { timeoutMs: T(15_000) });
  await el.click();
}

async function runScenario({ session, shots, server, api, adminToken, agent2Token }) {
  const st = () => state(session);

  // Sign in.
  await waitFor('the sign-in form', () => exists(session, tid('signin-email')), { timeoutMs: T(60_000) });
  await shots.take(session, 'signin');
  // The shell served the page with its start-up answer (nobody signed in yet), so the
  // window asked no `boot` (src-tauri/src/first_page.rs).
  const booted = await session.exec("return performance.getEntriesByName('outpost:booted').map((m) => m.detail);");
  check(
    JSON.stringify(booted) === '["in the page"]',
    `the page carried the start-up answer (outpost:booted: ${JSON.stringify(booted)})`,
  );
  const serverField = await session.find(tid('signin-server'));
  await serverField.clear();
  await serverField.type(server.url);
  await (await session.find(tid('signin-email'))).type('agent1@demo.test');
  await (await session.find(tid('signin-password'))).type('outpost-demo');
  await shots.take(session, 'signin-filled');
  await click(session, tid('signin-submit'), 'the sign-in button');

  // First sync.
  const synced = await waitFor(
    'the first sync to finish (sync-progress gone, ticket rows listed)',
    async () => {
      const s = await st();
      if (s.signinError) throw new CheckFailed(`sign-in failed: ${s.signinError}`);
      return !s.signin && !s.syncing && s.rows.length > 0 && s;
    },
    { timeoutMs: T(120_000), intervalMs: 200 },
  );
  check(synced.online === 'true', `online after the first sync (sync-status data-online=${synced.online})`);
  await shots.take(session, 'first-sync-done');

  // Two unassigned tickets: A to work on, B for the lost claim.
  await click(session, tid('view-unassigned'), 'the Unassigned view');
  const before = await api.snapshot(adminToken);
  const unassigned = await waitFor(
    'two unassigned tickets in the Unassigned view',
    async () => {
      const s = await st();
      const nums = s.rows.map((r) => Number(r.number));
      // The view must hold only what the server says is unassigned and open.
      return nums.length >= 2 && nums.every((n) => before.tickets.get(n) && !before.tickets.get(n).assignee_id) && nums;
    },
    { timeoutMs: T(15_000) },
  );
  const [A, B] = unassigned;
  log(`ticket A = ${A}, ticket B = ${B}`);
  const ticketA = before.tickets.get(A);
  const ticketB = before.tickets.get(B);
  check(!ticketA.assignee_id && !ticketB.assignee_id, `tickets ${A} and ${B} are unassigned on the server`);
  const agent1 = [...before.users.values()].find((u) => u.email === 'agent1@demo.test');
  const agent2 = [...before.users.values()].find((u) => u.email === 'agent2@demo.test');
  const isAgent1 = (text) => !!text && (text.includes(agent1.name) || text.includes('agent1'));

  // Open A, claim it.
  await click(session, tid('ticket-row', `[data-number="${A}"]`), `ticket row ${A}`);
  await waitFor(`ticket ${A} open in the detail pane`, async () => (await st()).detail?.number === String(A));
  await shots.take(session, 'ticket-open');
  await click(session, tid('action-claim'), 'the Claim button');
  const claimed = await waitFor(`detail-assignee of ${A} to show agent1 (${agent1.name})`, async () => {
    const s = await st();
    return isAgent1(s.detail?.assignee) && s;
  });
  check(isAgent1(claimed.detail.assignee), `ticket ${A} shows agent1 as assignee: "${claimed.detail.assignee}"`);
  await shots.take(session, 'claimed');

  // Reply online.
  const stamp = Date.now().toString(36);
  const r1 = `Online reply ${stamp}: we are on it.`;
  await reply(session, r1);
  await waitFor(`the online reply to be delivered (data-delivery sent|confirmed)`, async () => {
    const m = messagesWith(await st(), r1);
    return m.length === 1 && ['sent', 'confirmed'].includes(m[0].delivery);
  }, { timeoutMs: T(30_000) });
  await shots.take(session, 'reply-delivered');
  await waitFor(`the server to hold the online reply and agent1's claim of ${A}`, async () => {
    const snap = await api.snapshot(adminToken);
    return (
      snap.messages.filter((m) => m.content === r1).length === 1 && snap.tickets.get(A).assignee_id === agent1.id
    );
  }, { timeoutMs: T(15_000), intervalMs: 500 });
  log('ok: the server has the claim and the online reply');

  // The network goes away.
  await server.kill();
  log('server killed');
  const offline = await waitFor('sync-status data-online="false" after the server died', async () => {
    const s = await st();
    return s.online === 'false' && s;
  }, { timeoutMs: T(60_000), intervalMs: 200 });
  check(offline.online === 'false', `offline shown: "${offline.statusText}"`);
  await shots.take(session, 'offline');

  // Offline work: reply to A and close it, claim B.
  const r2 = `Offline reply ${stamp}: a replacement is on its way.`;
  await reply(session, r2);
  const pendingReply = await waitFor('the offline reply listed as pending', async () => {
    const m = messagesWith(await st(), r2);
    return m.length === 1 && m[0];
  });
  check(pendingReply.delivery === 'pending', `offline reply data-delivery="${pendingReply.delivery}" (want pending)`);
  await shots.take(session, 'offline-reply-pending');
  await click(session, tid('action-close'), 'the Close button');
  await waitFor(`ticket ${A} shown closed`, async () => /closed/i.test((await st()).detail?.status || ''));
  await shots.take(session, 'offline-closed');

  await click(session, tid('view-unassigned'), 'the Unassigned view');
  await click(session, tid('ticket-row', `[data-number="${B}"]`), `ticket row ${B}`);
  await waitFor(`ticket ${B} open in the detail pane`, async () => (await st()).detail?.number === String(B));
  await click(session, tid('action-claim'), 'the Claim button');
  await waitFor(`ticket ${B} shown claimed by agent1 (offline)`, async () => isAgent1((await st()).detail?.assignee));
  const queued = await st();
  check(queued.online === 'false', 'still offline after the offline work');
  check(queued.pending > 0, `sync-pending-count > 0 while offline (shows ${queued.pending})`);
  await shots.take(session, 'offline-claim-pending');

  // Meanwhile agent2 claims B on the server.
  // The server is reachable for agent2 only: a second instance on another port and the
  // same database, so the app cannot reconnect before agent2's claim has landed.
  const side = new DemoServer(server.bin, server.dbPath, await freePort(), server.logDir, 'server-agent2');
  await side.start();
  const sideApi = new Api(side.url);
  const results = await sideApi.push(agent2Token, [{ name: 'ticket.claim', args: { ticket_id: ticketB.id } }]);
  check(results.length === 1 && results[0].status === 'applied', `agent2's claim of ${B} applied: ${JSON.stringify(results)}`);
  await side.kill();

  // The server comes back on the same port and database.
  await server.start();
  log('server restarted');
  await waitFor('the app back online with nothing pending', async () => {
    const s = await st();
    return s.online === 'true' && s.pending === 0;
  }, { timeoutMs: T(90_000), intervalMs: 250 });
  await shots.take(session, 'back-online');

  const conflicted = await waitFor('a conflict counted in the status bar', async () => {
    const s = await st();
    return s.conflicts > 0 && s;
  }, { timeoutMs: T(30_000) });
  check(conflicted.conflicts >= 1, `sync-conflict-count shows ${conflicted.conflicts}`);
  await click(session, tid('conflicts-open'), 'the conflicts button');
  const center = await waitFor('the conflict center listing the lost claim', async () => {
    const s = await st();
    return s.conflictCenter && s.conflictItems.length > 0 && s;
  });
  check(
    center.conflictItems.some((t) => new RegExp(`#${B}(?!\\d)`).test(t)),
    `a conflict item names ticket ${B}: ${JSON.stringify(center.conflictItems)}`,
  );
  check(
    await exists(session, `${tid('conflict-item')} ${tid('conflict-choice')}`),
    'the conflict item offers choices (conflict-choice)',
  );
  await shots.take(session, 'conflict-center');

  // The server has each offline change exactly once.
  // One more sync round first: a duplicate push would land now.
  await session.exec('document.querySelector(\'[data-testid="conflict-center"]\')?.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));');
  if (await exists(session, tid('sync-now'))) {
    await click(session, tid('sync-now'), 'Sync now');
    await waitFor('the manual sync to finish', async () => {
      const s = await st();
      return s.online === 'true' && s.pending === 0 && !s.syncing;
    }, { timeoutMs: T(30_000) });
  }
  const after = await api.snapshot(adminToken);
  const count = (text) => after.messages.filter((m) => m.content === text).length;
  check(count(r1) === 1, `the online reply is on the server once (found ${count(r1)})`);
  check(count(r2) === 1, `the offline reply is on the server once (found ${count(r2)})`);
  check(after.tickets.get(A).status === 'closed', `ticket ${A} is closed on the server (${after.tickets.get(A).status})`);
  check(after.tickets.get(A).assignee_id === agent1.id, `ticket ${A} stays agent1's on the server`);
  check(
    after.tickets.get(B).assignee_id === agent2.id,
    `ticket ${B} is agent2's on the server: the offline claim lost (assignee ${after.tickets.get(B).assignee_id})`,
  );
  await click(session, tid('ticket-row', `[data-number="${B}"]`), `ticket row ${B}`).catch(() => {});
  const final = await st();
  log(`final app state: ${JSON.stringify({ online: final.online, pending: final.pending, conflicts: final.conflicts })}`);
  await shots.take(session, 'final');
}

/** Sign in again through the OnDi connector with an API key and list the tickets. */
async function runConnector({ session, shots, serverBin, db, logDir }) {
  const st = () => state(session);
  const started = Date.now();
  const ondi = new DemoServer(serverBin, db, await freePort(), logDir, 'server-ondi', { apis: 'ondi' });
  await ondi.start();
  log(`server offering only the OnDi API: ${ondi.url}`);
  try {
    const key = await createApiKey(serverBin, db, { tenant: 'demo', email: 'agent1@demo.test', name: 'e2e connector' });

    // Out of the native session; erasing the cache, so nothing of it shows later.
    await click(session, '[aria-label="Settings"]', 'the Settings button');
    await click(session, tid('sign-out-wipe'), 'Sign out and erase local data');
    await click(session, tid('sign-out-wipe-confirm'), 'the erase confirmation');
    await waitFor('the sign-in form after signing out', () => exists(session, tid('signin-mode-token')), { timeoutMs: T(30_000) });

    await click(session, tid('signin-mode-token'), 'the "API token" choice');
    await waitFor('the API token field', () => exists(session, tid('signin-token')));
    check(!(await exists(session, tid('signin-tenant'))), 'token mode hides the tenant field');
    await click(session, `${tid('signin-api')} option[value="ondi"]`, 'the OnDi support API');
    const serverField = await session.find(tid('signin-server'));
    await serverField.clear();
    await serverField.type(ondi.url);
    const email = await session.find(tid('signin-email'));
    await email.clear();
    await email.type('agent1@demo.test');
    await (await session.find(tid('signin-token'))).type(key);
    await shots.take(session, 'connector-signin');
    await click(session, tid('signin-submit'), 'the sign-in button');

    const listed = await waitFor(
      'tickets listed through the OnDi connector, the first sync done',
      async () => {
        const s = await st();
        if (s.signinError) throw new CheckFailed(`sign-in with the API key failed: ${s.signinError}`);
        return !s.signin && !s.syncing && s.statusText === 'Online' && s.rows.length > 0 && s;
      },
      { timeoutMs: T(90_000), intervalMs: 200 },
    );
    check(listed.online === 'true', `online through the connector (sync-status data-online=${listed.online})`);
    check(listed.conflicts === 0 && !listed.detail, 'nothing of the erased native session shows (no conflict, no open ticket)');
    const via = await waitFor('the status bar to name the API', async () =>
      session.exec('const e = document.querySelector(\'[data-testid="sync-api"]\'); return e && e.textContent.trim();'),
    );
    check(/OnDi support API/.test(via), `the status bar names the API: "${via}"`);
    await painted(session);
    await shots.take(session, 'connector-list');

    const n = listed.rows[0].number;
    await click(session, tid('ticket-row', `[data-number="${n}"]`), `ticket row ${n}`);
    await waitFor(`ticket ${n} open in the detail pane`, async () => (await st()).detail?.number === String(n));
    const statusSelect = await session.exec(
      'const e = document.querySelector(\'[data-testid="detail-status-select"]\'); return e && { disabled: e.disabled, title: e.title };',
    );
    check(
      statusSelect?.disabled && /OnDi support API does not support this/.test(statusSelect.title),
      `status edits are disabled with the reason: ${JSON.stringify(statusSelect)}`,
    );
    await painted(session);
    await shots.take(session, 'connector-detail');
    log(`connector step took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await ondi.kill();
  }
}

/** After the next frames: WebKitGTK's screenshot is the last frame composited, which can lag the DOM. */
function painted(session) {
  return session.execAsync('const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));', [], 10_000);
}

async function reply(session, text) {
  if (await exists(session, tid('composer-mode-reply'))) {
    await click(session, tid('composer-mode-reply'), 'the Reply switch');
  }
  const input = await session.find(tid('composer-input'));
  await input.click();
  await input.type(text);
  await click(session, tid('composer-send'), 'the Send button');
}

const ok = await main().catch((e) => {
  log(`harness error: ${e.stack || e.message}`);
  return false;
});
// Children left running are killed by the exit handler in harness.mjs.
process.exit(ok ? 0 : 1);
