import { AppError } from '../backend';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

/** Short messages in the corner; errors stay longer than notices. */
export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  push(text: string, kind: Toast['kind'] = 'info', ms = kind === 'error' ? 8000 : 3500): number {
    const id = this.#next++;
    this.items.push({ id, kind, text });
    if (ms > 0) setTimeout(() => this.dismiss(id), ms);
    return id;
  }

  error(e: unknown, what?: string): void {
    const msg = e instanceof AppError || e instanceof Error ? e.message : String(e);
    this.push(what ? `${what}: ${msg}` : msg, 'error');
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
