// Injected before the app loads (page.addInitScript): stands in for the Tauri shell.
// `window.__TAURI_INTERNALS__` is what @tauri-apps/api calls (invoke, transformCallback;
// see @tauri-apps/api/mocks), backed by an in-memory tenant. Every call is recorded in
// `window.__calls`; `window.__emit(payload)` sends a `desk-event` like the shell does.
(() => {
  const cfg = Object.assign(
    { signedIn: true, bootstrapped: true, tickets: 100000, demo: true, conflicts: 1 },
    window.__FAKE_CONFIG__ || {},
  );
  const ME = { id: 'u-me', name: 'Agent One', email: 'agent1@demo.test', role: 'agent' };
  const A2 = { id: 'u-2', name: 'Agent Two', email: 'agent2@demo.test', role: 'agent' };
  const CUSTOMER = { id: 'u-c', name: 'Ann Customer', email: 'ann@example.com', role: 'customer' };
  const TEAM = { id: 'team-1', name: 'Tier 2' };
  const STATUSES = ['new', 'open', 'open', 'pending', 'solved', 'closed'];
  const PRIOS = ['low', 'medium', 'high', 'urgent'];
  const T0 = Date.parse('2026-03-01T12:00:00Z');
  const now = () => new Date().toISOString();

  const calls = (window.__calls = []);
  const overrides = new Map();
  const conversations = new Map();
  let pending = 0;
  let offline = false;
  let signedIn = cfg.signedIn;
  let bootstrapped = cfg.bootstrapped;
  // The API the session speaks: `native` takes every action; a connector's API fewer.
  const ALL_ACTIONS = ['ticket.create', 'ticket.update', 'ticket.claim', 'ticket.assign', 'ticket.takeover', 'ticket.close', 'ticket.reopen', 'ticket.tag_add', 'ticket.tag_remove', 'message.send', 'conversation.read'];
  const ALL_CREATE_FIELDS = ['priority', 'requester', 'assignee', 'team', 'tags', 'order', 'follow_up'];
  const APIS = {
    native: { title: 'the Outpost sync API', actions: ALL_ACTIONS, createFields: ALL_CREATE_FIELDS },
    ondi: { title: 'the OnDi support API', actions: ['ticket.claim', 'ticket.close', 'message.send'], createFields: ALL_CREATE_FIELDS },
    sonzai: { title: 'the Sonzai support API', actions: ['ticket.create', 'ticket.close', 'message.send'], createFields: [] },
  };
  let api = cfg.api || 'native';

  function base(i) {
    const n = 1000 + i;
    return {
      id: 't-' + n,
      number: n,
      subject: i === 0 ? 'XSS probe <img src=x onerror=window.__xss=1>' : `Order ${40000 + i} arrived damaged (${['billing', 'delivery', 'login', 'refund'][i % 4]})`,
      status: STATUSES[i % 6],
      priority: PRIOS[i % 4],
      type: 'question',
      channel: 'email',
      requester: CUSTOMER,
      assignee: i % 3 === 0 ? ME : i % 3 === 1 ? null : A2,
      team: i % 5 === 0 ? TEAM : null,
      tags: i % 4 === 0 ? ['billing', 'vip'] : i % 4 === 1 ? ['delivery'] : [],
      created_at: new Date(T0 - i * 600000 - 3600000).toISOString(),
      updated_at: new Date(T0 - i * 600000).toISOString(),
      message_count: 2,
      pending: 0,
      unread: i % 7 === 0,
    };
  }
  function get(n) {
    const i = n - 1000;
    if (i < 0 || i >= cfg.tickets) return null;
    return overrides.get(n) || base(i);
  }
  function put(t) {
    t.updated_at = now();
    // A ticket created here has no number until the server gives it one: keyed by id.
    overrides.set(t.number ?? t.id, t);
  }
  function resolve(key) {
    if (overrides.has(key) && typeof key === 'string') return overrides.get(key);
    const k = String(key).replace(/^#/, '');
    const n = /^\d+$/.test(k) ? Number(k) : Number(k.replace(/^t-/, ''));
    const t = get(n);
    if (!t) throw { code: 'not_found', message: `ticket not found: ${key}` };
    return t;
  }
  function inView(t, view) {
    const open = t.status === 'new' || t.status === 'open';
    switch (view) {
      case null: return true;
      case 'my_open': return t.assignee?.id === ME.id && (open || t.status === 'pending');
      case 'unassigned': return !t.assignee && open;
      case 'all_open': return open;
      case 'pending': return t.status === 'pending';
      case 'solved': return t.status === 'solved';
      default:
        if (view.startsWith('tag:')) return t.tags.includes(view.slice(4)) && t.status !== 'solved' && t.status !== 'closed';
        if (view.startsWith('team:')) return t.team?.id === view.slice(5) && t.status !== 'solved' && t.status !== 'closed';
        return true;
    }
  }
  function matches(t, search) {
    if (!search) return true;
    return search.split(/\s+/).every((w) => {
      if (w.startsWith('status:')) return w.slice(7).split(',').includes(t.status);
      if (w.startsWith('tag:')) return t.tags.includes(w.slice(4));
      if (w === 'assignee:me') return t.assignee?.id === ME.id;
      if (w.startsWith('priority:')) return w.slice(9).split(',').includes(t.priority);
      if (/^#\d+$/.test(w)) return t.number === Number(w.slice(1));
      return t.subject.toLowerCase().includes(w.toLowerCase());
    });
  }
  // Touched tickets are newest; the rest keep their generated order.
  function listAll(view, search) {
    const touched = [...overrides.values()].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
    const ids = new Set(touched.map((t) => t.number));
    const out = touched.filter((t) => inView(t, view) && matches(t, search));
    for (let i = 0; i < cfg.tickets; i++) {
      if (ids.has(1000 + i)) continue;
      const t = base(i);
      if (inView(t, view) && matches(t, search)) out.push(t);
    }
    return out;
  }
  function convo(t) {
    if (t.number === null) return [];
    if (!conversations.has(t.number)) {
      const msgs = [
        { id: `m-${t.number}-1`, sender: CUSTOMER, content: `Hello, my order ${t.number} arrived damaged. Can you help?`, message_type: 'text', internal: false, system: false, parent_message_id: null, attachments: [{ name: 'photo.jpg', url: 'https://files.example.com/photo.jpg', size: 48213, mime: 'image/jpeg' }], created_at: t.created_at, delivery: null, delivery_error: null },
        { id: `m-${t.number}-2`, sender: null, content: 'Ticket assigned to Agent Two', message_type: 'system', internal: false, system: true, parent_message_id: null, attachments: [], created_at: t.created_at, delivery: null, delivery_error: null },
        { id: `m-${t.number}-3`, sender: A2, content: 'Customer is a VIP, offer a refund.', message_type: 'text', internal: true, system: false, parent_message_id: null, attachments: [], created_at: t.updated_at, delivery: null, delivery_error: null },
      ];
      if (t.number === 1000) {
        msgs.push(
          { id: 'm-x1', sender: CUSTOMER, content: '<p>Hi <b>there</b> <img src=x onerror="window.__xss=1"> <a href="javascript:window.__xss=2">click me</a> <a href="https://example.com/help">help page</a></p><script>window.__xss=3</script><iframe src="javascript:window.__xss=4"></iframe>', message_type: 'html', internal: false, system: false, parent_message_id: null, attachments: [{ name: 'evil.html', url: 'javascript:window.__xss=5', size: 10, mime: 'text/html' }], created_at: t.updated_at, delivery: null, delivery_error: null },
          { id: 'm-x2', sender: CUSTOMER, content: 'Plain text <img src=x onerror=window.__xss=6> <script>window.__xss=7</script>', message_type: 'text', internal: false, system: false, parent_message_id: 'm-x1', attachments: [], created_at: t.updated_at, delivery: null, delivery_error: null },
        );
      }
      conversations.set(t.number, msgs);
    }
    return conversations.get(t.number);
  }
  function detail(t) {
    return {
      ticket: {
        id: t.id, number: t.number, subject: t.subject, description: t.description ?? 'The parcel was crushed; two plates broke.', summary: null,
        status: t.status, priority: t.priority, type: t.type, channel: t.channel, requester_id: CUSTOMER.id,
        assignee_id: t.assignee ? t.assignee.id : null, team_id: t.team ? t.team.id : null, responder_id: null,
        responder_kind: null, circumstance: null, related_order_id: 'ORD-' + (40000 + t.number), related_delivery_id: 'DLV-77' + t.number,
        products: [], tag_ids: [], conversation_id: 'c-' + t.number, follow_up_of: null, message_count: 3, pending_message_count: 0,
        removed: false, created_at: t.created_at, updated_at: t.updated_at, ongoing_at: null, solved_at: null, closed_at: null, version: 3, field_versions: {},
        channel_id: null, responder_version: null, last_viewed_at: null,
      },
      number: t.number, tags: t.tags, requester: t.requester, assignee: t.assignee, responder: null, channel_name: null, team: t.team, pending: t.pending,
      conversation: convo(t),
      history: [
        { id: 'h1-' + t.number, ticket_id: t.id, field_changed: 'status', old_value: 'new', new_value: 'open', changed_by: A2.id, created_at: t.created_at, changed_by_user: A2, old_label: null, new_label: null },
        { id: 'h2-' + t.number, ticket_id: t.id, field_changed: 'assignee_id', old_value: null, new_value: A2.id, changed_by: A2.id, created_at: t.updated_at, changed_by_user: A2, old_label: null, new_label: A2.email },
      ],
      participants: [], draft: null,
    };
  }
  const saved = [{ id: 's-1', name: 'Urgent', query: 'priority:urgent', created_at: now() }];
  let savedSeq = 1;
  let seq = 0;
  function act(t, change) {
    change(t);
    t.pending += 1;
    pending += 1;
    put(t);
    setTimeout(() => emit({ type: 'changed', tickets: [t.id] }), 0);
    return { seq: ++seq, mutation_id: 'mut-' + seq, ticket_id: t.id, message_id: null };
  }
  let conflicts = cfg.conflicts
    ? [{ id: 'cf-1', seq: 9, ticket_id: 't-1003', ticket_number: 1003, ticket_subject: 'Order 40003 arrived damaged (refund)', kind: 'claim', code: 'conflict', message: '#1003 was claimed by agent2@demo.test at 10:42', details: { holder: { user_id: A2.id, email: A2.email, name: A2.name, since: now() } }, mutation: { name: 'ticket.claim', args: { ticket_id: 't-1003' } }, choices: ['dismiss'], created_at: now(), resolved_at: null, resolution: null },
       { id: 'cf-2', seq: 10, ticket_id: 't-1006', ticket_number: 1006, ticket_subject: 'Order 40006 arrived damaged (delivery)', kind: 'closed_reply', code: 'ticket_closed', message: '#1006 was closed before your reply arrived', details: { ticket_status: 'closed' }, mutation: { name: 'message.send', args: { content: 'We will send a replacement today.' } }, choices: ['reopen', 'follow_up', 'discard'], created_at: now(), resolved_at: null, resolution: null }]
    : [];

  function status() {
    return { server: 'http://127.0.0.1:8080', api, api_title: APIS[api].title, actions: APIS[api].actions, create_fields: APIS[api].createFields, email: ME.email, user_id: ME.id, online: !offline, syncing: false, last_sync_at: new Date(Date.now() - 120000).toISOString(), cursor: '1', bootstrapped, pending, conflicts: conflicts.length, tickets: cfg.tickets, messages: cfg.tickets * 3, cache_bytes: 73400320, last_error: null };
  }
  function counts() {
    const views = [['my_open', 'My open'], ['unassigned', 'Unassigned'], ['all_open', 'All open'], ['pending', 'Pending'], ['solved', 'Solved']];
    const all = listAll(null, '');
    const out = views.map(([v, label]) => ({ view: v, label, count: all.filter((t) => inView(t, v)).length }));
    out.push({ view: 'team:team-1', label: 'Tier 2', count: all.filter((t) => inView(t, 'team:team-1')).length });
    out.push({ view: 'tag:billing', label: 'billing', count: all.filter((t) => inView(t, 'tag:billing')).length });
    out.push({ view: 'tag:vip', label: 'vip', count: all.filter((t) => inView(t, 'tag:vip')).length });
    for (const s of saved) out.push({ view: 'search:' + s.query, label: s.name, count: all.filter((t) => matches(t, s.query)).length });
    return out;
  }

  const handlers = {
    app_info: () => ({ version: '0.1.0', default_server: 'http://127.0.0.1:8080', demo: cfg.demo ? { email: 'agent1@demo.test', password: 'outpost-demo', tenant: 'demo' } : null }),
    session: () => (signedIn ? { server: 'http://127.0.0.1:8080', email: ME.email, tenant: 'demo', name: ME.name, user_id: ME.id, api } : null),
    sign_in: ({ server, email, password }) => {
      if (/unreachable/.test(server)) throw { code: 'unreachable', message: `cannot reach the server at ${server}: connection refused` };
      if (password !== 'outpost-demo') throw { code: 'invalid_credentials', message: 'email or password is wrong' };
      signedIn = true;
      api = 'native';
      return { server, email, tenant: 'demo', name: ME.name, user_id: ME.id, api };
    },
    sign_in_with_token: ({ server, api: name, email, token }) => {
      if (!APIS[name]) throw { code: 'invalid_input', message: `no connector yet for ${name}` };
      if (token !== 'demo-key') throw { code: 'unauthenticated', message: 'the token is not valid' };
      signedIn = true;
      api = name;
      return { server, email, tenant: 'demo', name: ME.name, user_id: ME.id, api };
    },
    sign_out: () => { signedIn = false; return null; },
    sync_status: () => status(),
    first_screen: ({ list }) => ({ status: status(), page: handlers.list_tickets({ query: list }) }),
    boot: ({ list }) => {
      const account = handlers.session();
      return { info: handlers.app_info(), account, error: null, first_screen: account ? handlers.first_screen({ list }) : null };
    },
    sync_now: () => ({ pushed: pending, applied: pending, rejected: 0, pages: 1, tickets: 0, messages: 0, rebootstrapped: false }),
    set_offline: ({ offline: o }) => { offline = o; return null; },
    outbox: () => [],
    view_counts: () => counts(),
    list_tickets: ({ query }) => {
      const all = listAll(query.view, query.search || '');
      return { tickets: all.slice(query.offset, query.offset + (query.limit || 50)), total: all.length };
    },
    ticket_detail: ({ ticket }) => detail(resolve(ticket)),
    search: ({ text, limit }) => listAll(null, text).slice(0, limit).map((t) => ({ ticket: t, matched: 'ticket', snippet: [{ text: t.subject, hit: false }] })),
    saved_searches: () => [...saved].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase())),
    save_search: ({ name, text }) => {
      if (!name.trim()) throw { code: 'invalid_input', message: 'a saved search needs a name of 1-100 characters' };
      const s = { id: 's-' + ++savedSeq, name: name.trim(), query: text.trim(), created_at: now() };
      saved.push(s);
      return s;
    },
    delete_saved_search: ({ id }) => {
      const i = saved.findIndex((s) => s.id === id);
      if (i < 0) throw { code: 'not_found', message: `saved search not found: ${id}` };
      saved.splice(i, 1);
      return null;
    },
    save_draft: () => null,
    directory: () => ({ agents: [ME, A2], teams: [TEAM], tags: ['billing', 'delivery', 'vip'] }),
    claim: ({ ticket }) => act(resolve(ticket), (t) => { t.assignee = ME; }),
    takeover: ({ ticket }) => act(resolve(ticket), (t) => { t.assignee = ME; }),
    assign: ({ ticket, assigneeEmail }) => act(resolve(ticket), (t) => {
      if (assigneeEmail === '') t.assignee = null;
      else if (assigneeEmail) t.assignee = [ME, A2].find((a) => a.email === assigneeEmail) || t.assignee;
    }),
    update_ticket: ({ ticket, edit }) => act(resolve(ticket), (t) => {
      if (edit.status) t.status = edit.status;
      if (edit.priority) t.priority = edit.priority;
      if (edit.type) t.type = edit.type;
    }),
    tag: ({ ticket, tag, add }) => act(resolve(ticket), (t) => {
      t.tags = add ? [...new Set([...t.tags, tag])].sort() : t.tags.filter((x) => x !== tag);
    }),
    send_message: ({ ticket, text, internal }) => {
      const t = resolve(ticket);
      convo(t).push({ id: 'm-new-' + seq, sender: ME, content: text, message_type: 'text', internal, system: false, parent_message_id: null, attachments: [], created_at: now(), delivery: 'pending', delivery_error: null });
      return act(t, () => {});
    },
    close: ({ ticket }) => act(resolve(ticket), (t) => { t.status = 'closed'; }),
    reopen: ({ ticket }) => act(resolve(ticket), (t) => { t.status = 'open'; }),
    mark_read: () => null,
    create_ticket: ({ newTicket: n }) => {
      if (!n.subject.trim()) throw { code: 'invalid_input', message: 'the subject cannot be empty' };
      // As the core's check: a part the API does not carry is refused.
      const parts = { priority: n.priority, requester: n.requester_email, assignee: n.assign_to_me, tags: n.tags.length };
      const extra = Object.keys(parts).find((p) => parts[p] && !APIS[api].createFields.includes(p));
      if (extra) throw { code: 'not_supported', message: `${APIS[api].title} does not support a new ticket with ${extra}; nothing was saved` };
      // The core resolves the requester in the cached directory; an unknown address is refused.
      if (n.requester_email && ![ME, A2, CUSTOMER].some((u) => u.email === n.requester_email)) throw { code: 'not_found', message: `user not found: ${n.requester_email}` };
      const t = {
        id: 'new-' + (seq + 1), number: null, subject: n.subject.trim(), description: n.description, status: 'new',
        priority: n.priority ?? 'medium', type: n.type ?? 'question', channel: 'web', requester: [ME, A2, CUSTOMER].find((u) => u.email === n.requester_email) ?? ME,
        assignee: n.assign_to_me ? ME : null, team: null, tags: [...n.tags].sort(), created_at: now(), updated_at: now(), message_count: 0, pending: 0, unread: false,
      };
      return act(t, () => {});
    },
    conflicts: () => conflicts,
    resolve_conflict: ({ id }) => { conflicts = conflicts.filter((c) => c.id !== id); return []; },
    settings: () => ({ cache_bytes: 73400320, profile_dir: '/home/agent/.local/share/outpost', server: 'http://127.0.0.1:8080', email: ME.email }),
    reset_cache: () => null,
    'plugin:opener|open_url': () => null,
  };

  // The argument names of each command as the generated bindings.ts sends them
  // (run.mjs reads them from that file into window.__FAKE_ARGS__). Like Tauri, a call
  // missing one is refused with a plain string, so a renamed argument on the Rust side
  // (`new` -> `newTicket`) fails here as it would in the app.
  const ARGS = window.__FAKE_ARGS__ || {};
  function checkArgs(cmd, args) {
    const want = ARGS[cmd];
    if (!want) return;
    for (const key of want) {
      if (!(key in args)) throw `invalid args \`${key}\` for command \`${cmd}\`: command ${cmd} missing required key ${key}`;
    }
    const extra = Object.keys(args).filter((k) => !want.includes(k));
    if (extra.length) throw `fake shell: ${cmd} got arguments the bindings never send: ${extra.join(', ')}`;
  }

  const callbacks = new Map();
  const listeners = new Map();
  let nextId = 1;
  function emit(payload) {
    for (const id of listeners.get('desk-event') || []) {
      const cb = callbacks.get(id);
      if (cb) cb({ event: 'desk-event', id, payload });
    }
  }
  window.__emit = emit;
  window.__fake = { get: (n) => get(n), setBootstrapped: (b) => { bootstrapped = b; } };

  // The first ticket row ever in the page, before a later read replaced it.
  new MutationObserver((_, seen) => {
    const row = document.querySelector('[data-testid="ticket-row"]');
    if (!row) return;
    window.__firstRow = row.textContent;
    seen.disconnect();
  }).observe(document, { childList: true, subtree: true });

  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: (_event, id) => callbacks.delete(id) };
  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
    transformCallback(cb, once) {
      const id = nextId++;
      callbacks.set(id, (data) => { if (once) callbacks.delete(id); return cb && cb(data); });
      return id;
    },
    unregisterCallback(id) { callbacks.delete(id); },
    convertFileSrc: (p) => p,
    async invoke(cmd, args) {
      if (cmd === 'plugin:event|listen') {
        if (!listeners.has(args.event)) listeners.set(args.event, []);
        listeners.get(args.event).push(args.handler);
        return args.handler;
      }
      if (cmd === 'plugin:event|unlisten') {
        const l = listeners.get(args.event) || [];
        const i = l.indexOf(args.eventId);
        if (i >= 0) l.splice(i, 1);
        return null;
      }
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args || {})) });
      const h = handlers[cmd];
      if (!h) throw { code: 'internal', message: `fake shell has no command ${cmd}` };
      checkArgs(cmd, JSON.parse(JSON.stringify(args || {})));
      await new Promise((r) => setTimeout(r, 1));
      return h(args || {});
    },
  };
})();
