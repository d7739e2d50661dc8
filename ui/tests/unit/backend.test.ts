// The backend module over the generated bindings: only the IPC call itself
// (@tauri-apps/api/core's invoke) is replaced, so argument names, result unwrapping
// and error mapping are the real generated code plus index.ts.
import { beforeEach, describe, expect, it, vi } from 'vitest';

// A plain function rather than a vi.fn: with a vi.fn whose promise rejected, vitest 4.1
// failed the test even though the code under test caught the rejection.
let reply: (cmd: string, args?: unknown) => Promise<unknown> = async () => null;
const sent: [string, unknown?][] = [];
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (cmd: string, args?: unknown) => {
    sent.push(args === undefined ? [cmd] : [cmd, args]);
    return reply(cmd, args);
  },
}));
const invoke = {
  mockResolvedValue: (v: unknown) => { reply = async () => v; },
  mockImplementation: (f: typeof reply) => { reply = f; },
};

const { backend, AppError } = await import('../../src/lib/backend');

beforeEach(() => { sent.length = 0; reply = async () => null; });

/** What the UI reads off a failure (vitest compares Errors by prototype, not fields). */
function fields(e: unknown) {
  expect(e).toBeInstanceOf(AppError);
  const a = e as InstanceType<typeof AppError>;
  return { code: a.code, message: a.message };
}
const failure = (p: Promise<unknown>) => p.then(() => expect.fail('resolved'), fields);

describe('backend module', () => {
  it('sends the generated argument names (create_ticket takes newTicket)', async () => {
    const result = { seq: 1, mutation_id: 'm', ticket_id: 't', message_id: null };
    invoke.mockResolvedValue(result);
    const n = { subject: 'S', description: '', priority: null, type: null, requester_email: null, assign_to_me: true, tags: [] };
    await expect(backend.createTicket(n)).resolves.toEqual(result);
    expect(sent).toEqual([['create_ticket', { newTicket: n }]]);
  });

  it('sends camelCase arguments for snake_case Rust parameters', async () => {
    invoke.mockResolvedValue([]);
    await backend.conflicts(true);
    expect(sent.at(-1)).toEqual(['conflicts', { openOnly: true }]);
    invoke.mockResolvedValue({ seq: 1, mutation_id: 'm', ticket_id: null, message_id: null });
    await backend.assign('1042', '', null);
    expect(sent.at(-1)).toEqual(['assign', { ticket: '1042', assigneeEmail: '', team: null }]);
  });

  it('unwraps ok results, null included', async () => {
    invoke.mockResolvedValue(null);
    await expect(backend.session()).resolves.toBeNull();
    await expect(backend.signOut(false)).resolves.toBeUndefined();
    expect(sent.at(-1)).toEqual(['sign_out', { wipe: false }]);
  });

  it('throws the shell error as AppError with its code', async () => {
    invoke.mockImplementation(async () => { throw { code: 'invalid_credentials', message: 'email or password is wrong' }; });
    const e = await backend.signIn('http://s', 'a@b', 'x', null).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect(fields(e)).toEqual({ code: 'invalid_credentials', message: 'email or password is wrong' });
  });

  it('maps anything else thrown to AppError internal', async () => {
    invoke.mockImplementation(async () => { throw new Error('ipc broke'); });
    expect(await failure(backend.syncStatus())).toEqual({ code: 'internal', message: 'ipc broke' });
    // Tauri refuses bad arguments with a plain string.
    invoke.mockImplementation(async () => { throw 'invalid args `newTicket` for command `create_ticket`'; });
    expect(await failure(backend.viewCounts())).toEqual({ code: 'internal', message: 'invalid args `newTicket` for command `create_ticket`' });
    // app_info cannot fail in Rust, but the IPC still can.
    invoke.mockImplementation(async () => { throw new Error('no shell'); });
    expect(await failure(backend.appInfo())).toEqual({ code: 'internal', message: 'no shell' });
  });
});
