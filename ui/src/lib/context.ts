import { getContext, setContext } from 'svelte';
import type { AppState } from './stores/app.svelte';

const KEY = Symbol('outpost-app');

export function provideApp(app: AppState): void {
  setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() outside <App>');
  return app;
}
