/**
 * End to end: a real 5-node cluster of worker-thread actors on LMDB, the demo
 * server, and the page in headless Chromium. Load the page, see five nodes
 * and one leader, click "Isolate leader", see the leader change on the page,
 * take a screenshot (test-output/visualizer.png).
 */
import { mkdirSync } from 'node:fs';
import { HistoryRecorder } from '@raftkit/sim';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlService } from '../src/control.js';
import { roleMachineGraph, roleMachineToSvg } from '../src/diagram.js';
import { DemoHub } from '../src/hub.js';
import { type DemoServer, startDemoServer } from '../src/server.js';
import { ThreadCluster } from '../src/thread-cluster.js';
import { Workload } from '../src/workload.js';
import { type Browser, hasChromium, launchChromium, NO_CHROMIUM_MESSAGE } from './helpers/chromium.js';

const OUT = new URL('../test-output/', import.meta.url);
const IDS = ['n1', 'n2', 'n3', 'n4', 'n5'];

if (!hasChromium) console.warn(`visualizer e2e test ${NO_CHROMIUM_MESSAGE}`);

describe.skipIf(!hasChromium)('the visualizer in headless Chromium, on a real cluster', () => {
  let hub: DemoHub;
  let cluster: ThreadCluster;
  let server: DemoServer;
  let workload: Workload;
  let browser: Browser;

  beforeAll(async () => {
    hub = new DemoHub({ nodeIds: IDS });
    cluster = await ThreadCluster.start(hub, { nodes: IDS.length, seed: 7 });
    server = await startDemoServer({
      hub,
      control: new ControlService(cluster, hub),
      graph: roleMachineGraph(),
      statechartSvg: roleMachineToSvg({ theme: 'dark' }),
      port: 0,
    });
    workload = new Workload({
      clients: [cluster.client({ timeoutMs: 3000 }), cluster.client({ timeoutMs: 3000 })],
      recorder: new HistoryRecorder(),
      seed: 7,
      thinkMs: 40,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await workload?.stop();
    await browser?.close();
    await server?.close();
    await cluster?.close();
  });

  const leaderOnPage = (page: Page) => page.locator('#current-leader').getAttribute('data-leader');

  it('shows five nodes and one leader, isolates the leader on click and shows the new one', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);

    // Five node cards and the statechart with its four role states.
    await page.waitForSelector('[data-testid="node-n5"]', { timeout: 10_000 });
    expect(await page.locator('.node-card').count()).toBe(5);
    await page.waitForSelector('.sc-state[data-state="leader"]');
    expect(await page.locator('.sc-state').count()).toBe(4);

    // Exactly one leader, shown in the header, on its card and as a chip in the statechart.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('.node-card[data-role="leader"]').length === 1 &&
        document.querySelector('#current-leader')?.getAttribute('data-leader'),
      null,
      { timeout: 15_000 },
    );
    const first = await leaderOnPage(page);
    expect(IDS).toContain(first);
    expect(await page.locator(`.node-card[data-role="leader"]`).getAttribute('data-node')).toBe(first);
    expect(await page.locator(`.sc-state[data-state="leader"] .sc-chip[data-node="${first}"]`).count()).toBe(
      1,
    );

    workload.start();
    await page.waitForTimeout(1500); // let the timeline and indices fill in for the screenshot

    await page.locator('[data-testid="isolate-leader"]').click();
    await page.waitForFunction(
      (old) => {
        const now = document.querySelector('#current-leader')?.getAttribute('data-leader');
        return now && now !== old;
      },
      first,
      { timeout: 15_000 },
    );
    const second = await leaderOnPage(page);
    expect(second).not.toBe(first);
    // The cluster agrees with the page, and the isolated node shows as such.
    expect(await cluster.waitForLeader(5000)).toBe(second);
    await page.waitForFunction((old) => {
      const card = document.querySelector(`.node-card[data-node="${old}"]`);
      return (
        card?.getAttribute('data-role') !== 'leader' &&
        card?.querySelector('.health')?.textContent === 'isolated'
      );
    }, first);
    expect(await page.locator('#faults').textContent()).toContain(`isolated ${first}`);

    await page.waitForTimeout(1500);
    mkdirSync(OUT, { recursive: true });
    // A viewport as tall as the page (a full-page capture would paint the sticky header mid-page).
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1440, height });
    await page.waitForTimeout(300);
    await page.screenshot({ path: new URL('visualizer.png', OUT).pathname });
    expect(errors).toEqual([]);
  });
});
