/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// A plain single-page app: Tauri loads dist/ over tauri:// in the built app, and the Vite
// dev server (devUrl in src-tauri/tauri.conf.json) during UI work.
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    // WebKitGTK 2.40+ (Debian 12) and WebView2 both handle ES2022.
    target: 'es2022',
    // Everything is read from disk by the app: no point splitting for the network.
    chunkSizeWarningLimit: 1024,
    // Styles land in one .css file: the CSP (style-src 'self') allows no inline <style>.
    cssCodeSplit: false,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.ts'],
  },
});
