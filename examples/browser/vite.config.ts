import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** `npm run example:browser` serves the page; `vite build examples/browser` writes it to dist/. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  server: { host: '127.0.0.1' },
  build: { outDir: 'dist', emptyOutDir: true },
});
