import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** A file the panel serves, with its gzip form and an ETag, read once. */
export interface PanelAsset {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
  etag: string;
}

const pageFiles = ['index.html', 'login.html', 'panel.css', 'panel.js', 'dom.js', 'patch.js', 'actions.js', 'charts.js', 'view-fleet.js', 'view-spend.js', 'view-budgets.js', 'view-routing.js', 'view-security.js', 'view-approvals.js', 'view-kills.js'];

const contentTypes: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/**
 * Reads the panel's files (beside this module in assets/, copied to dist by `npm run build`) and the
 * charting library. The charts use uPlot from node_modules: ~50 KB minified (~22 KB gzipped), MIT,
 * no dependencies, canvas-drawn and made for live time series; Chart.js is four times the size.
 */
export async function loadPanelAssets(): Promise<ReadonlyMap<string, PanelAsset>> {
  const require = createRequire(import.meta.url);
  const sources: Array<[name: string, path: string]> = [
    ...pageFiles.map((name): [string, string] => [name, fileURLToPath(new URL(`./assets/${name}`, import.meta.url))]),
    ['uplot.js', require.resolve('uplot/dist/uPlot.iife.min.js')],
    ['uplot.css', require.resolve('uplot/dist/uPlot.min.css')],
  ];
  const assets = new Map<string, PanelAsset>();
  await Promise.all(
    sources.map(async ([name, path]) => {
      const body = await readFile(path);
      const extension = name.slice(name.lastIndexOf('.') + 1);
      assets.set(name, {
        body,
        gzipped: gzipSync(body, { level: 9 }),
        contentType: contentTypes[extension] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      });
    }),
  );
  return assets;
}
