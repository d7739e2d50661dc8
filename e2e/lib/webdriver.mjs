// A small W3C WebDriver client over fetch: the handful of endpoints the end-to-end
// test and the app benchmark use, against tauri-driver (which forwards to
// WebKitWebDriver). No dependency, so the test tree needs no `npm ci` and no browser
// download.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {
  constructor(what, status, value) {
    const detail = value && typeof value === 'object' ? `${value.error}: ${value.message}` : String(value);
    super(`WebDriver ${what} failed (HTTP ${status}): ${detail}`);
    this.status = status;
    this.code = value?.error;
  }
}

async function call(base, method, path, body, timeoutMs = 60_000) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}`, res.status, text.slice(0, 500));
  }
  if (!res.ok || (json.value && json.value.error)) {
    throw new WebDriverError(`${method} ${path}`, res.status, json.value);
  }
  return json.value;
}

export class Element {
  constructor(session, id, selector) {
    this.session = session;
    this.id = id;
    this.selector = selector;
  }

  get path() {
    return `/session/${this.session.id}/element/${this.id}`;
  }

  click() {
    return this.session.cmd('POST', `${this.path}/click`, {});
  }

  /** Real key events into the element (WebDriver "Element Send Keys"). */
  type(text) {
    return this.session.cmd('POST', `${this.path}/value`, { text });
  }

  clear() {
    return this.session.cmd('POST', `${this.path}/clear`, {});
  }

  text() {
    return this.session.cmd('GET', `${this.path}/text`);
  }

  attribute(name) {
    return this.session.cmd('GET', `${this.path}/attribute/${encodeURIComponent(name)}`);
  }

  property(name) {
    return this.session.cmd('GET', `${this.path}/property/${encodeURIComponent(name)}`);
  }
}

export class Session {
  constructor(base, id, capabilities) {
    this.base = base;
    this.id = id;
    this.capabilities = capabilities;
  }

  /**
   * Starts the app through tauri-driver. `application` is the binary (or a wrapper
   * that execs it); WebKitWebDriver launches it and attaches to its webview.
   */
  static async create(base, { application, args = [] }, timeoutMs = 120_000) {
    const value = await call(
      base,
      'POST',
      '/session',
      { capabilities: { alwaysMatch: { 'tauri:options': { application, args } } } },
      timeoutMs,
    );
    return new Session(base, value.sessionId, value.capabilities);
  }

  cmd(method, path, body, timeoutMs) {
    return call(this.base, method, path, body, timeoutMs);
  }

  async delete() {
    await call(this.base, 'DELETE', `/session/${this.id}`, undefined, 30_000);
  }

  async find(selector) {
    const v = await this.cmd('POST', `/session/${this.id}/element`, { using: 'css selector', value: selector });
    return new Element(this, v[ELEMENT], selector);
  }

  async findAll(selector) {
    const v = await this.cmd('POST', `/session/${this.id}/elements`, { using: 'css selector', value: selector });
    return v.map((e) => new Element(this, e[ELEMENT], selector));
  }

  /** Runs `script` (a function body) in the page; returns its JSON result. */
  exec(script, ...args) {
    return this.cmd('POST', `/session/${this.id}/execute/sync`, { script, args });
  }

  /** Like exec, with the callback as the last argument (W3C "Execute Async Script"). */
  async execAsync(script, args = [], timeoutMs = 120_000) {
    // The session's script timeout (30 s by default) bounds the page side; raise it
    // to this call's budget first, or a long script is cut off at 30 s.
    if (this.scriptTimeoutMs !== timeoutMs) {
      await this.setTimeouts({ script: timeoutMs });
      this.scriptTimeoutMs = timeoutMs;
    }
    return this.cmd('POST', `/session/${this.id}/execute/async`, { script, args }, timeoutMs + 10_000);
  }

  setTimeouts({ script, pageLoad, implicit }) {
    return this.cmd('POST', `/session/${this.id}/timeouts`, { script, pageLoad, implicit });
  }

  /** PNG bytes of the window. */
  async screenshot() {
    const b64 = await this.cmd('GET', `/session/${this.id}/screenshot`);
    return Buffer.from(b64, 'base64');
  }

  /** Key presses to whatever has focus (W3C actions), e.g. keys('j'). */
  async keys(text) {
    const actions = [];
    for (const ch of text) {
      actions.push({ type: 'keyDown', value: ch }, { type: 'keyUp', value: ch });
    }
    await this.cmd('POST', `/session/${this.id}/actions`, {
      actions: [{ type: 'key', id: 'keyboard', actions }],
    });
    await this.cmd('DELETE', `/session/${this.id}/actions`);
  }

  navigate(url) {
    return this.cmd('POST', `/session/${this.id}/url`, { url });
  }

  title() {
    return this.cmd('GET', `/session/${this.id}/title`);
  }

  source() {
    return this.cmd('GET', `/session/${this.id}/source`);
  }
}
