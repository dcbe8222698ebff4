// Browser check of the editors: bundles harness.tsx with webpack, serves it on 127.0.0.1,
// drives it in Debian's headless Chromium through playwright-core, asserts what the page shows
// and saves screenshots. Exits non-zero when a step fails.
//
// Screenshots go to .cache/screenshots/, which git ignores. UPDATE_SCREENSHOTS=1 writes them to
// docs/images/ instead, where the README and plugin.json take them from.
//
// Needs /usr/bin/chromium (scripts/setup.sh installs it); playwright downloads no browser.
import { createServer } from 'node:http';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const IMAGES = path.join(ROOT, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/images' : '.cache/screenshots');
const ICONS = path.join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons');
const STEP_TIMEOUT_MS = 10_000;
const VALID_CONTRACT_ID = 'CAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQC526';

const failures = [];
let passes = 0;

// check records one assertion. condition is a value, or a function that check retries until it
// returns true or CHECK_WAIT_MS pass, because React may render an update after the action that
// caused it has returned.
const CHECK_WAIT_MS = 5_000;

async function check(condition, message) {
  let ok = typeof condition === 'function' ? await condition() : condition;
  for (const deadline = Date.now() + CHECK_WAIT_MS; !ok && typeof condition === 'function' && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    ok = await condition();
  }
  if (ok) {
    passes += 1;
    console.log(`  ok   ${message}`);
  } else {
    console.log(`  FAIL ${message}`);
    failures.push(message);
  }
}

async function bundleHarness(outDir) {
  const config = {
    mode: 'development',
    devtool: false,
    context: ROOT,
    entry: path.join(ROOT, 'tests/browser/harness.tsx'),
    output: { path: outDir, filename: 'harness.js' },
    resolve: { extensions: ['.js', '.jsx', '.ts', '.tsx', '.mjs'] },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
      ],
    },
    plugins: [new webpack.DefinePlugin({ 'process.env.NODE_ENV': JSON.stringify('development') })],
    performance: { hints: false },
    infrastructureLogging: { level: 'error' },
  };

  const stats = await new Promise((resolve, reject) => {
    webpack(config, (err, result) => (err ? reject(err) : resolve(result)));
  });
  if (stats.hasErrors()) {
    throw new Error(`harness bundle failed:\n${stats.toString({ all: false, errors: true })}`);
  }
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ModelTrace editors</title></head>
<body><div id="root"></div><script src="/harness.js"></script></body></html>`;

const CONTENT_TYPES = { '.js': 'text/javascript', '.svg': 'image/svg+xml', '.css': 'text/css' };

// Serves the page, the bundle and @grafana/ui's icons (which Icon fetches from public/build/img/icons).
function startServer(bundleDir) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    let file;
    if (url.pathname === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
      return;
    } else if (url.pathname.startsWith('/public/build/img/icons/')) {
      file = path.join(ICONS, url.pathname.slice('/public/build/img/icons/'.length));
    } else {
      file = path.join(bundleDir, url.pathname);
    }
    const root = file.startsWith(ICONS) ? ICONS : bundleDir;
    if (!path.resolve(file).startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function checkConfigEditor(page) {
  console.log('ConfigEditor');
  const editor = page.locator('#config-editor');
  const network = page.locator('#config-network');
  const passphrase = page.locator('#config-passphrase');

  await check(
    async () => (await network.inputValue()) === 'Testnet',
    'empty settings show testnet, as the backend uses'
  );
  await check(
    async () => (await passphrase.inputValue()) === 'Test SDF Network ; September 2015',
    'empty settings show its passphrase'
  );

  await page.locator('#config-rpc-url').fill('http://');
  await check(
    async () => await editor.getByText('RPC URL "http://" has no host').isVisible(),
    'URL without a host shows an error'
  );
  await page.locator('#config-rpc-url').fill('http://127.0.0.1:8000/rpc');
  await check(async () => !(await editor.getByText(/has no host/).isVisible()), 'URL with a host clears the error');

  await network.click();
  await page.getByRole('option', { name: /^Custom/ }).click();
  await check(async () => (await passphrase.getAttribute('readonly')) === null, 'custom passphrase is editable');
  await check(
    async () => await editor.getByText(/^Network passphrase is missing/).isVisible(),
    'empty custom passphrase shows an error'
  );
  await network.click();
  await page.getByRole('option', { name: /^Testnet/ }).click();
  await check(
    async () => (await passphrase.inputValue()) === 'Test SDF Network ; September 2015',
    'testnet fills the passphrase'
  );
  await check(async () => (await passphrase.getAttribute('readonly')) !== null, 'preset passphrase is read-only');

  await page.locator('#config-registryContractId').fill('CABC');
  await page.locator('#config-usageMeterContractId').click();
  const lengthError = editor.getByText('Contract id must be 56 characters long, got 4.');
  await check(async () => await lengthError.isVisible(), 'short contract id shows the length message');

  await page.locator('#config-usageMeterContractId').fill('G' + VALID_CONTRACT_ID.slice(1));
  await page.locator('#config-attestationContractId').click();
  await check(
    async () => await editor.getByText(/must start with "C" \(got "G"\)/).isVisible(),
    'account id shows the prefix message'
  );
  await page.locator('#config-usageMeterContractId').fill('');

  await page.locator('#config-registryContractId').fill(VALID_CONTRACT_ID);
  await check(async () => !(await lengthError.isVisible()), 'valid contract id clears the message');

  const headerWarning = editor.getByText(/^Auth header name is missing/);
  await check(async () => await headerWarning.isVisible(), 'saved secret without a header name shows a warning');
  await page.locator('#config-auth-header-name').fill('Authorization');
  await check(async () => !(await headerWarning.isVisible()), 'header name clears the warning');
  await check(
    async () => await editor.getByRole('button', { name: 'Reset' }).isVisible(),
    'configured secret offers Reset'
  );

  await page.locator('#config-timeout').fill('2.5');
  await check(
    async () => await editor.getByText('"2.5" is not a whole number: enter a number of 1 or more').isVisible(),
    'fractional timeout shows an error'
  );
  await page.locator('#config-timeout').fill('45');
  await page.locator('#config-live-poll').fill('2000');
  await page.locator('#config-index-max').fill('256');
  await check(
    async () => !(await editor.getByText(/is not a whole number/).isVisible()),
    'whole numbers clear the error'
  );

  const jsonData = () => page.evaluate(() => window.harnessState.settings.jsonData);
  await check(async () => (await jsonData()).network === 'testnet', 'settings store network testnet');
  await check(async () => (await jsonData()).rpcUrl === 'http://127.0.0.1:8000/rpc', 'settings store the RPC URL');
  await check(async () => (await jsonData()).timeoutSeconds === 45, 'settings store timeoutSeconds 45');
  await check(async () => (await jsonData()).livePollMs === 2000, 'settings store livePollMs 2000');
  await check(async () => (await jsonData()).indexMaxMiB === 256, 'settings store indexMaxMiB 256');

  // Leave one invalid optional id on screen so the screenshot shows an inline error.
  await page.locator('#config-attestationContractId').fill(VALID_CONTRACT_ID.slice(0, 55) + 'A');
  await page.locator('#config-timeout').click();
  await check(
    async () => await editor.getByText(/checksum does not match/).isVisible(),
    'mistyped contract id shows the checksum message'
  );

  await page.locator('#config-timeout').blur();
  await editor.screenshot({ path: path.join(IMAGES, 'config-editor.png') });
}

const FIELD_LABELS = ['Models', 'Min risk', 'Format', 'Event kinds', 'Limit', 'Total', 'Group by model', 'Live'];
const VISIBLE = {
  'Risk series': ['Models', 'Min risk', 'Total', 'Group by model', 'Live'],
  'Bias flags': ['Models', 'Format', 'Group by model'],
  Events: ['Models', 'Min risk', 'Event kinds', 'Limit', 'Live'],
  Models: ['Limit'],
  Stats: [],
};

async function checkQueryEditor(page) {
  console.log('QueryEditor');
  const editor = page.locator('#query-editor');
  // Radio button labels use for="option-…" and repeat some words, so they are left out here.
  const fieldLabel = (text) => editor.locator('label:not([for^="option-"])', { hasText: new RegExp(`^${text}$`) });

  for (const [queryType, visible] of Object.entries(VISIBLE)) {
    await editor.getByRole('radio', { name: queryType, exact: true }).check();
    for (const label of FIELD_LABELS) {
      const shown = (await fieldLabel(label).count()) > 0;
      check(
        shown === visible.includes(label),
        `${queryType}: ${label} ${visible.includes(label) ? 'shown' : 'hidden'}`
      );
    }
  }

  await editor.getByRole('radio', { name: 'Events', exact: true }).check();
  await page.locator('#query-models').click();
  const option = page.getByRole('option', { name: 'fraud-scorer 1.2.0 (#1)' });
  await check(async () => await option.isVisible(), 'model picker lists models from /models');
  await check(
    async () => await page.getByRole('option', { name: /\$model/ }).isVisible(),
    'model picker offers $model'
  );
  await option.click();
  await page.keyboard.press('Escape');

  await page.locator('#query-event-kinds').click();
  await page.getByRole('option', { name: 'Inference logged' }).click();
  await page.getByRole('option', { name: 'Bias flagged' }).click();
  await page.keyboard.press('Escape');

  await page.locator('#query-min-risk').click();
  await page.getByRole('option', { name: /^High\+/ }).click();
  const limit = editor.getByRole('textbox', { name: 'Limit' });
  await limit.fill('10x');
  await limit.blur();
  await check(
    async () => await editor.getByText('"10x" is not a whole number: enter a number from 1 to 100000').isVisible(),
    'limit 10x shows an error'
  );
  await check(
    async () => (await page.evaluate(() => window.harnessState.query.limit)) === undefined,
    'limit 10x is not stored'
  );
  await limit.fill('500');
  await limit.blur();

  const state = () => page.evaluate(() => window.harnessState);
  await check(async () => JSON.stringify((await state()).query.modelIds) === '["1"]', 'query stores model id 1');
  await check(
    async () => JSON.stringify((await state()).query.eventKinds) === '["inference_logged","bias_flagged"]',
    'query stores event kinds'
  );
  await check(async () => {
    const { query } = await state();
    return query.minRisk === 'high' && query.limit === 500;
  }, 'query stores min risk and limit');
  await check(async () => (await state()).runs > 0, 'changes run the query');

  // The screenshot shows the risk series with a risk variable and the total series.
  await editor.getByRole('radio', { name: 'Risk series', exact: true }).check();
  await page.locator('#query-min-risk').click();
  await page.getByRole('option', { name: /^\$risk/ }).click();
  await editor.getByLabel('Total').check({ force: true });
  await check(async () => (await state()).query.minRisk === '$risk', 'query stores the risk variable');
  await check(async () => (await state()).query.total === true, 'query stores total');

  await page.mouse.move(0, 0);
  await editor.screenshot({ path: path.join(IMAGES, 'query-editor.png') });
}

async function main() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run scripts/setup.sh or set CHROMIUM_PATH`);
  }
  await mkdir(IMAGES, { recursive: true });
  const bundleDir = await mkdtemp(path.join(tmpdir(), 'modeltrace-harness-'));
  const profileDir = await mkdtemp(path.join(tmpdir(), 'modeltrace-chromium-'));
  let server;
  let context;
  try {
    await bundleHarness(bundleDir);
    server = await startServer(bundleDir);
    const { port } = server.address();

    // Playwright passes the fresh profile directory to Chromium as --user-data-dir.
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 2000 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator('#config-rpc-url').waitFor();

    await checkConfigEditor(page);
    await checkQueryEditor(page);
    check(pageErrors.length === 0, `no page errors${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
  } finally {
    await context?.close();
    server?.close();
    await rm(bundleDir, { recursive: true, force: true });
    await rm(profileDir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
  console.error(error);
}
for (const failure of failures) {
  console.error(`failed: ${failure}`);
}
console.log(`screenshots: ${path.relative(ROOT, IMAGES)}/`);
console.log(`browser: ${passes} passed, ${failures.length} failed`);
process.exitCode = failures.length === 0 ? 0 : 1;
