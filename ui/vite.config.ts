import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { inlineBundle } from './build/inlineBundle.ts';

// Tauri serves ui/dist; relative base so the same build also works from a static server.
export default defineConfig({
  plugins: [svelte(), inlineBundle()],
  base: './',
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  // No module preload polyfill: the one script is written into the page (inlineBundle).
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, sourcemap: false, modulePreload: { polyfill: false } },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    // The contrast test reads the theme tokens from app.css?raw; vitest blanks CSS otherwise.
    css: { include: [/app\.css/] },
  },
});
