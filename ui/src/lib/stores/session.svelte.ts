import { AppError, backend, type Account, type AppInfo, type Backend, type Boot } from '../backend';

export type Phase = 'loading' | 'signed_out' | 'signed_in';

/** The APIs an agent can sign in through with a token (the core's `Api` names). */
export const TOKEN_APIS: readonly { name: string; label: string }[] = [
  { name: 'ondi', label: 'OnDi support API' },
  { name: 'sonzai', label: 'Sonzai support API' },
  { name: 'workspace', label: 'Workspace tickets API' },
  { name: '29next', label: '29next admin API (read-only)' },
];

/** What the sign-in form shows for a failed sign-in (`withToken`: with an API token), by the core's error code. */
export function signInErrorText(e: unknown, withToken = false): string {
  if (!(e instanceof AppError)) return e instanceof Error ? e.message : String(e);
  switch (e.code) {
    case 'unreachable':
      // The core names the address and the cause ("cannot reach the server at …: …").
      return `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}. Check the URL and your network.`;
    case 'invalid_credentials':
    case 'unauthenticated':
    case 'session_expired':
      return withToken ? 'The server does not accept this API token for this email.' : 'Email or password is wrong.';
    case 'tenant_required':
      return 'This email belongs to several workspaces: enter the tenant.';
    case 'keychain_unavailable':
      // The core's message says what is missing and how to fix it ("the OS keychain is
      // not available (…); start a Secret Service …"): one sentence, said once.
      return `Cannot store the session: ${e.message.replace(/\.$/, '')}.`;
    case 'invalid_input':
      return e.message;
    default:
      return e.message;
  }
}

export class Session {
  phase = $state<Phase>('loading');
  info = $state<AppInfo | null>(null);
  account = $state<Account | null>(null);
  error = $state<{ code: string; text: string } | null>(null);
  busy = $state(false);

  constructor(private api: Backend = backend) {}

  /** What `boot` read at the app's start. */
  apply(boot: Pick<Boot, 'info' | 'account' | 'error'>): void {
    this.info = boot.info;
    this.account = boot.account;
    if (boot.error) {
      const e = new AppError(boot.error.code, boot.error.message);
      this.error = { code: e.code, text: signInErrorText(e) };
    }
    this.phase = this.account ? 'signed_in' : 'signed_out';
  }

  /** The session read part by part (when `boot` itself failed). */
  async init(): Promise<void> {
    try {
      this.info = await this.api.appInfo();
    } catch {
      this.info = { version: '', default_server: null, demo: null };
    }
    try {
      this.account = await this.api.session();
    } catch (e) {
      this.account = null;
      if (e instanceof AppError && e.code !== 'not_signed_in') {
        this.error = { code: e.code, text: signInErrorText(e) };
      }
    }
    this.phase = this.account ? 'signed_in' : 'signed_out';
  }

  async signIn(server: string, email: string, password: string, tenant: string): Promise<boolean> {
    return this.#signIn(() => this.api.signIn(server.trim(), email.trim(), password, tenant.trim() || null), false);
  }

  async #signIn(run: () => Promise<Account>, withToken: boolean): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      this.account = await run();
      this.phase = 'signed_in';
      return true;
    } catch (e) {
      this.error = { code: e instanceof AppError ? e.code : 'internal', text: signInErrorText(e, withToken) };
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Sign in with an API token the helpdesk's administrator issued, through `api`. */
  async signInWithToken(server: string, api: string, email: string, token: string): Promise<boolean> {
    return this.#signIn(() => this.api.signInWithToken(server.trim(), api, email.trim(), token.trim()), true);
  }

  async signOut(wipe: boolean): Promise<void> {
    await this.api.signOut(wipe);
    this.account = null;
    this.phase = 'signed_out';
  }
}
