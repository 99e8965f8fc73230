// Screenshots of Prometheus's own web pages (its classic UI, as Debian's prometheus 2.42 serves it) in Debian's
// headless Chromium, driven by playwright-core: a graph of a query, or the alerts page with the firing alerts open.
//
//   node deploy/browser/prometheus-pages.mjs OUT_DIR NAME.png URL [NAME.png URL ...]
//
// A graph URL (/classic/graph?g0.expr=...&g0.tab=0) is saved once its chart is drawn; on the alerts page
// (/classic/alerts) every firing alert is opened and the annotations shown. Prints one line per picture; any failure
// exits 1 with the picture's name.
import { checkArgs, launchChromium } from './chromium.mjs';

const [out, ...pairs] = process.argv.slice(2);
checkArgs(out && pairs.length > 0 && pairs.length % 2 === 0, 'node prometheus-pages.mjs OUT_DIR NAME.png URL [NAME.png URL ...]', out);
const browser = await launchChromium();
let name = 'start';
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(60_000);
  for (let i = 0; i < pairs.length; i += 2) {
    name = pairs[i];
    const url = pairs[i + 1];
    await page.goto(url);
    if (url.includes('/alerts')) {
      const firing = page.locator('tr.alert_header.alert-danger');
      const count = await firing.count();
      if (count === 0) throw new Error('no firing alert on the page');
      for (let n = 0; n < count; n++) await firing.nth(n).click();
      await page.click('div.show-annotations');
      await page.waitForSelector('tr.alert_annotations', { state: 'visible' });
    } else {
      // The classic graph page draws with Rickshaw into .graph once the range query has answered.
      await page.waitForSelector('.graph_area .graph svg path', { state: 'attached' });
      await page.waitForSelector('.graph_container .legend li', { state: 'attached' });
    }
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${out}/${name}`, fullPage: true });
    console.log(`saved ${name}`);
  }
} catch (e) {
  console.log(`FAILED ${name}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
