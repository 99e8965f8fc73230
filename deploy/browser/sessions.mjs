// The HPC sessions page in Debian's headless Chromium, driven by playwright-core: alice logs in, sees what the
// clusters have free in the spawn form, starts a CPU server, opens the sessions page from the hub's home, sees the
// walltime left count down, clicks "Extend by 1 h" and waits for the new end time; bob sees none of alice's
// sessions; the hub admin sees both users'. Saves screenshots 4- to 9- in OUT_DIR.
//
//   node deploy/browser/sessions.mjs HUB_URL PASSWORD OUT_DIR [--extend]
//
// Each step prints one line ("FREE ...", "JOB <id>", "COUNTDOWN a -> b", "EXTEND_CLICKED", "EXTENDED ..."); any
// failure exits 1 with the step's name. Without --extend, the extension's answer is printed, not awaited.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [hub, password, out] = process.argv.slice(2);
const extend = process.argv.includes('--extend');
if (!hub || !password || !out) {
  console.error('usage: node sessions.mjs HUB_URL PASSWORD OUT_DIR [--extend]');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let step = 'start';
const t0 = Date.now();
const done = (what) => console.log(`${what} after ${Date.now() - t0} ms`);

async function logIn(user, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(180_000);
  await page.goto(`${hub}/hub/login`);
  await page.fill('#username_input', user);
  await page.fill('#password_input', password);
  await Promise.all([page.waitForNavigation(), page.click('#login_submit')]);
  if (page.url().includes('/hub/login')) throw new Error(`${user} still on the login page: ${page.url()}`);
  return page;
}

// The value after a <dt> in a server's section, e.g. "Job".
const field = (section, term) => section.locator(`dt:text-is("${term}") + dd`).first().innerText();

try {
  step = 'alice logs in';
  const alice = await logIn('alice');
  done('alice logged in');

  step = 'spawn form';
  await alice.goto(`${hub}/hub/spawn/alice`);
  const free = (await alice.locator('#oar-free').innerText()).replace(/\s+/g, ' ');
  if (!/free now: \d+ cores/.test(free)) throw new Error(`no free resources in the form: ${free}`);
  console.log(`FREE ${free}`);
  await alice.selectOption('#oar-cluster', 'cpu');
  await alice.fill('#oar-cores', '1');
  await alice.fill('#oar-walltime', '1:00');
  await alice.screenshot({ path: `${out}/4-spawn-form-free.png`, fullPage: true });
  await Promise.all([alice.waitForURL(/\/hub\/spawn-pending\/|\/user\/alice\//), alice.click('#spawn_form input[type=submit]')]);
  await alice.waitForURL(/\/user\/alice\//);
  await alice.waitForSelector('#notebook_list');
  done('notebook ready');

  step = 'sessions page from the hub home';
  await alice.goto(`${hub}/hub/home`);
  await Promise.all([alice.waitForURL(/\/services\/oarspawner\/$/), alice.click('a:text-is("HPC sessions")')]);
  const mine = alice.locator('section.server.state-ready').first();
  const job = await field(mine, 'Job');
  console.log(`JOB ${job}`);
  const countdown = mine.locator('time.countdown');
  const before = await countdown.innerText();
  await alice.waitForTimeout(2100);
  const after = await countdown.innerText();
  if (before === after) throw new Error(`the countdown did not move: ${before}`);
  console.log(`COUNTDOWN ${before} -> ${after}`);
  await alice.screenshot({ path: `${out}/5-sessions.png`, fullPage: true });

  step = 'extend by 1 h';
  const left = await field(mine, 'Walltime left');
  const endBefore = (left.match(/ends ([^)]+)\)/) || [])[1];
  const clicked = Date.now();
  console.log('EXTEND_CLICKED');
  await Promise.all([alice.waitForNavigation(), mine.locator('button.extend').click()]);
  const notice = await alice.locator('.notice').innerText().catch(() => '');
  console.log(`EXTEND_NOTICE ${notice}`);
  if (extend) {
    let endAfter = endBefore;
    while (endAfter === endBefore && Date.now() - clicked < 120_000) {
      await alice.waitForTimeout(500);
      await alice.reload();
      const s = alice.locator('section.server.state-ready').first();
      endAfter = ((await field(s, 'Walltime left')).match(/ends ([^)]+)\)/) || [])[1];
    }
    if (endAfter === endBefore) throw new Error(`the end time did not move from ${endBefore}`);
    console.log(`EXTENDED ends ${endBefore} -> ${endAfter} in ${Date.now() - clicked} ms from the click`);
    await alice.screenshot({ path: `${out}/6-sessions-extended.png`, fullPage: true });
  }

  step = 'phone width';
  const phone = await alice.context().newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${hub}/services/oarspawner/`);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`the page is ${overflow} px wider than a phone`);
  await phone.screenshot({ path: `${out}/7-sessions-phone.png`, fullPage: true });
  done('phone width fits');

  step = 'bob';
  const bob = await logIn('bob');
  await bob.goto(`${hub}/services/oarspawner/`);
  const bobs = await bob.locator('main').innerText();
  if (bobs.includes(job) || /alice/.test(bobs)) throw new Error(`bob sees alice's session: ${bobs}`);
  console.log(`BOB sees ${await bob.locator('section.server').count()} sessions, none of alice's`);
  await bob.screenshot({ path: `${out}/8-sessions-bob.png`, fullPage: true });

  step = 'admin';
  const admin = await logIn('hubadmin');
  await admin.goto(`${hub}/services/oarspawner/`);
  const all = await admin.locator('main').innerText();
  if (!all.includes(job) || !/^bob/m.test(all) || !/^alice/m.test(all)) throw new Error(`the admin does not see both: ${all}`);
  console.log(`ADMIN sees ${await admin.locator('section.server').count()} sessions, alice's and bob's`);
  await admin.screenshot({ path: `${out}/9-sessions-admin.png`, fullPage: true });
  done('done');
} catch (e) {
  console.error(`FAILED at "${step}": ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
