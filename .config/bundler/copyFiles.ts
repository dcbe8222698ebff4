import path from 'path';

import { getPluginJson, hasReadme } from './utils.ts';

const pluginJson = getPluginJson();
// img/logo.svg is always copied, also before plugin.json names it as a logo.
const logoPaths: string[] = Array.from(
  new Set(['img/logo.svg', pluginJson.info?.logos?.large, pluginJson.info?.logos?.small])
).filter(Boolean);
const screenshotPaths: string[] = pluginJson.info?.screenshots?.map((s: { path: string }) => s.path) || [];

// The build context is src/, so '../' is the repository root.
export const copyFilePatterns = [
  { from: hasReadme() ? 'README.md' : '../README.md', to: '.', force: true },
  { from: '../plugin.json', to: '.' },
  { from: '../LICENSE', to: '.', noErrorOnMissing: true },
  { from: '../CHANGELOG.md', to: '.', force: true, noErrorOnMissing: true },
  { from: '**/query_help.md', to: '.', noErrorOnMissing: true },
  ...logoPaths.map((logoPath) => ({ from: logoPath, to: logoPath })),
  // Screenshots live once, in docs/images/ beside the README that shows them, and plugin.json
  // names their copies in dist/img/.
  ...screenshotPaths.map((screenshotPath) => ({
    from: path.posix.join('../docs/images', path.posix.basename(screenshotPath)),
    to: screenshotPath,
  })),
];
