// The dashboard's build: `npm run build` runs `vite build --config ui/vite.config.ts` into dist/ui, which
// the API server serves at `/` (src/api/dashboard.ts). Everything is bundled: no CDN at run time.
import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // The page's CSP allows no inline script: keep the module-preload helper in the bundle.
    modulePreload: { polyfill: false },
  },
});
