import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { sampleMachine } from '../../../packages/net/test/fixtures/sample-machine.js';
import { ControlService } from '../src/control.js';
import { graphToSvg, machineToGraph } from '../src/diagram.js';
import { DemoHub } from '../src/hub.js';
import { type DemoServer, startDemoServer } from '../src/server.js';
import { FakeCluster } from './fake-cluster.js';
import { type Browser, hasChromium, launchChromium, NO_CHROMIUM_MESSAGE } from './helpers/chromium.js';

const IDS = ['n1', 'n2', 'n3', 'n4', 'n5'];
const graph = machineToGraph(sampleMachine as unknown as AnyStateMachine);
const OUT = new URL('../test-output/', import.meta.url);

if (!hasChromium) console.warn(`page (fake cluster) tests ${NO_CHROMIUM_MESSAGE}`);

describe.skipIf(!hasChromium)('the page against a scripted cluster', () => {
  let hub: DemoHub;
  let cluster: FakeCluster;
  let server: DemoServer;
  let browser: Browser;

  const start = async (port: number) => {
    hub = new DemoHub({ nodeIds: IDS });
    cluster = new FakeCluster(hub, 80);
    server = await startDemoServer({
      hub,
      control: new ControlService(cluster, hub),
      graph,
      statechartSvg: graphToSvg(graph),
      port,
      fallbackToFreePort: false,
    });
  };

  beforeAll(async () => {
    await start(0);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    cluster?.close();
    await server?.close();
  });

  it('shows the nodes, the statechart and reacts to isolate leader; shows a banner when the server restarts', async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="node-n5"]');
    expect(await page.locator('[data-testid^="node-n"]').count()).toBe(5);
    await page.waitForFunction(
      () => document.querySelectorAll('.node-card[data-role="leader"]').length === 1,
    );
    const first = await page.locator('#current-leader').getAttribute('data-leader');
    expect(first).toBeTruthy();
    await page.locator('[data-testid="isolate-leader"]').click();
    await page.waitForFunction(
      (old) => {
        const l = document.querySelector('#current-leader')?.getAttribute('data-leader');
        return l && l !== old;
      },
      first,
      { timeout: 10_000 },
    );
    await page.waitForTimeout(1500);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: new URL('page-fake.png', OUT).pathname, fullPage: true });

    const port = server.port;
    cluster.close();
    await server.close();
    await page.waitForSelector('#banner:not([hidden])', { timeout: 5000 });
    expect(await page.locator('#banner').textContent()).toMatch(/reconnecting/i);
    await start(port);
    await page.waitForFunction(
      () => /restarted/.test(document.querySelector('#banner')?.textContent ?? ''),
      null,
      { timeout: 10_000 },
    );
  });
});
