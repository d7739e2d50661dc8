// What the tests read from and do to the app's page, by the data-testid contract of
// the UI (docs in /var/tmp/outpost-brief/common.md, "E2E selectors").

export const tid = (id, extra = '') => `[data-testid="${id}"]${extra}`;

/**
 * One round trip: everything the scenario asserts on, read in the page. Counts are
 * parsed from the first number in the element's text; a missing element is null.
 */
const STATE = `
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const num = (el) => { if (!el) return null; const m = (el.textContent || '').match(/\\d+/); return m ? Number(m[0]) : 0; };
  const visible = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const detail = q('ticket-detail');
  const status = q('sync-status');
  return {
    signin: visible(q('signin-email')),
    signinError: q('signin-error') ? q('signin-error').textContent.trim() : null,
    syncing: visible(q('sync-progress')),
    online: status ? status.getAttribute('data-online') : null,
    statusText: status ? status.textContent.trim().replace(/\\s+/g, ' ') : null,
    pending: num(q('sync-pending-count')),
    conflicts: num(q('sync-conflict-count')),
    rows: Array.from(document.querySelectorAll('[data-testid="ticket-row"]')).map((r) => ({
      number: r.getAttribute('data-number'),
      pending: r.getAttribute('data-pending'),
      selected: r.getAttribute('aria-selected'),
    })),
    detail: detail ? {
      number: detail.getAttribute('data-number'),
      status: q('detail-status') ? q('detail-status').textContent.trim() : null,
      assignee: q('detail-assignee') ? q('detail-assignee').textContent.trim() : null,
      messages: Array.from(detail.querySelectorAll('[data-testid="message"]')).map((m) => ({
        kind: m.getAttribute('data-kind'),
        delivery: m.getAttribute('data-delivery'),
        body: (m.querySelector('[data-testid="message-body"]') || m).textContent.trim(),
      })),
    } : null,
    conflictCenter: visible(q('conflict-center')),
    conflictItems: Array.from(document.querySelectorAll('[data-testid="conflict-item"]')).map((c) => c.textContent.trim().replace(/\\s+/g, ' ')),
  };
`;

export function state(session) {
  return session.exec(STATE);
}

export function exists(session, selector) {
  return session.exec('return !!document.querySelector(arguments[0]);', selector);
}

/** The messages of the open ticket whose body contains `text`. */
export function messagesWith(st, text) {
  return (st.detail?.messages || []).filter((m) => m.body.includes(text));
}
