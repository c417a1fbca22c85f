import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `vite build console`: this folder is the root; the build goes to console/dist, which the API
// serves at `/` (src/api/console.ts). Everything is bundled (no CDN) and index.html loads the
// bundle with a <script src>, never inline code: the API's Content-Security-Policy is script-src 'self'.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The modulepreload polyfill would be a few bytes of script; every browser we support has it.
    modulePreload: { polyfill: false },
  },
});
