import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// `aiops serve` serves dist/ (embedded in release builds); `npm run dev` proxies the API
// to a local server so the UI can be worked on with hot reload.
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names: the server may cache /assets/* forever.
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: process.env.AIOPS_URL ?? 'http://127.0.0.1:8060', ws: true },
    },
  },
});
