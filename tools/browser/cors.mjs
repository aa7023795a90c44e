// Drives headless Chromium (Debian's, through playwright-core) for tools/browser/cors.sh.
// Usage: node cors.mjs <chromium> <artifacts dir> <gateway base> <allowed page URL> <refused page URL>
// Exit 0 when every check passed; the screenshots and the pages' console logs are written to
// the artifacts dir whatever happens.
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [chromiumPath, out, gateway, allowedPage, refusedPage] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** Opens `url`, waits for the page's verdict, saves `<name>.png` and `<name>-console.log`. */
async function run(name, url, done) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const lines = [];
  page.on('console', (m) => lines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
  page.on('requestfailed', (r) => lines.push(`[requestfailed] ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  let result = { pass: false, error: null };
  try {
    await page.goto(url);
    result = { ...(await done(page)), error: null };
  } catch (e) {
    result = { pass: false, error: String(e) };
    lines.push(`[driver] ${e}`);
  }
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: name !== 'docs' }).catch((e) => lines.push(`[driver] screenshot: ${e}`));
  writeFileSync(`${out}/${name}-console.log`, lines.join('\n') + '\n');
  await context.close();
  console.log(`${result.pass ? 'PASS' : 'FAIL'} ${name}${result.error ? `: ${result.error}` : ''}`);
  return result.pass;
}

const verdict = async (page) => {
  await page.waitForFunction(() => window.corsResult && window.corsResult.done, null, { timeout: 90_000 });
  return page.evaluate(() => ({ pass: window.corsResult.pass }));
};

const results = [];
// 1. The allowed origin: log in, counteragents, a protocol PDF, all through fetch().
results.push(await run('allowed', allowedPage, verdict));
// 2. Another origin (another port): the browser refuses the gateway's answers.
results.push(await run('refused', refusedPage, verdict));
// 3. Swagger UI still renders under its Content-Security-Policy.
results.push(await run('docs', `${gateway}/docs/`, async (page) => {
  await page.waitForSelector('text=createDiadocSession', { timeout: 30_000 });
  return { pass: true };
}));
await browser.close();
process.exit(results.every(Boolean) ? 0 : 1);
