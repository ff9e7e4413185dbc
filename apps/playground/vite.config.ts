import { defineConfig } from 'vite';
import { digitsAsset } from './tools/digits-asset.js';

/**
 * Cross-origin isolation: SharedArrayBuffer (and so the WASM backend's worker threads)
 * exists only on pages served with these two headers.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [digitsAsset()],
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      // Dawn for Node: backend-webgpu imports it only when navigator.gpu is missing in Node,
      // behind a variable specifier. Never bundle it for the browser.
      external: ['webgpu'],
    },
  },
});
