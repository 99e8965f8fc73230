// A user's whole path in Debian's headless Chromium, driven by playwright-core: log in to the hub, choose
// "HPC node - GPU" in the spawn form, follow the progress page, land on the notebook. Saves three screenshots.
//
//   node deploy/browser/spawn-gpu.mjs HUB_URL USER PASSWORD OUT_DIR [--expect-queue]
//
// With --expect-queue (the browser test holds the GPU node first), it waits until the progress page shows the
// job waiting in OAR's queue, takes the progress screenshot, prints "QUEUED" and waits for a line on stdin
// (the test then frees the node). Each step prints one line; any failure exits 1 with the step's name.
import { checkArgs, launchChromium } from './chromium.mjs';
import { createInterface } from 'node:readline';

const [hub, user, password, out] = process.argv.slice(2);
const expectQueue = process.argv.includes('--expect-queue');
checkArgs(hub && user && password && out, 'node spawn-gpu.mjs HUB_URL USER PASSWORD OUT_DIR [--expect-queue]', out);
const browser = await launchChromium();
let step = 'start';
const t0 = Date.now();
const done = (what) => console.log(`${what} after ${Date.now() - t0} ms`);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(180_000);

  step = 'log in';
  await page.goto(`${hub}/hub/login`);
  await page.fill('#username_input', user);
  await page.fill('#password_input', password);
  await Promise.all([page.waitForNavigation(), page.click('#login_submit')]);
  if (page.url().includes('/hub/login')) throw new Error(`still on the login page: ${page.url()}`);
  done('logged in');

  step = 'spawn form';
  await page.goto(`${hub}/hub/spawn/${user}`);
  await page.waitForSelector('#oar-cluster');
  // The cluster's label carries what it has free now, e.g. "HPC node - GPU (free now: 2 cores; A100: 0 free, V100: 1 free)".
  const gpuLabel = (await page.locator('#oar-cluster option[value="gpu"]').textContent()).trim();
  if (!/^HPC node - GPU \(free now: \d+ cores; A100: \d+ free, V100: \d+ free\)$/.test(gpuLabel)) {
    throw new Error(`the form does not show the GPU cluster's free resources: "${gpuLabel}"`);
  }
  done(`form shows "${gpuLabel}"`);
  await page.selectOption('#oar-cluster', 'gpu');
  await page.fill('#oar-gpus', '1');
  await page.selectOption('#oar-gpumodel', 'A100');
  await page.fill('#oar-walltime', '1:00');
  await page.screenshot({ path: `${out}/1-spawn-form.png`, fullPage: true });
  await Promise.all([page.waitForURL(/\/hub\/spawn-pending\//), page.click('#spawn_form input[type=submit]')]);
  done('submitted');

  step = 'progress page';
  await page.click('#progress-details summary');
  const message = page.locator('#progress-message');
  if (expectQueue) {
    await page.waitForFunction(() => /is waiting, position/.test(document.querySelector('#progress-message').textContent));
    await page.screenshot({ path: `${out}/2-progress.png`, fullPage: true });
    done(`queued: ${await message.textContent()}`);
    console.log('QUEUED');
    const stdin = createInterface({ input: process.stdin });
    await new Promise((resolve) => stdin.once('line', resolve));
    stdin.close();
  } else {
    await page.waitForFunction(() => /Job \d+/.test(document.querySelector('#progress-message').textContent));
    await page.screenshot({ path: `${out}/2-progress.png`, fullPage: true });
    done(`progress: ${await message.textContent()}`);
  }
  // The page reloads into the notebook on the ready event: keep the event log as it grows until then.
  let log = '';
  while (page.url().includes('/spawn-pending/')) {
    log = await page.locator('#progress-log').innerText({ timeout: 1000 }).catch(() => log);
    await page.waitForTimeout(100);
  }

  step = 'notebook';
  await page.waitForURL(new RegExp(`/user/${user}/`));
  await page.waitForSelector('#notebook_list');
  await page.screenshot({ path: `${out}/3-notebook.png`, fullPage: true });
  done(`notebook at ${page.url()}`);
  console.log(`progress log:\n${log}`);
} catch (e) {
  console.error(`FAILED at "${step}": ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
