// Reaching registries from a network that needs a mirror and a proxy, in the real app: a
// mirror and a proxy set on the Settings screen, then a pull through the Pull dialog of an
// image whose registry cannot be reached at all. The image comes from the mirror (a second
// real registry), every request goes through the proxy (a forward proxy this test runs,
// which logs each request line), the origin is never asked, and the image keeps the
// origin's name. Screenshots land in target/e2e/network-*.png.

import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SHOTS, appEnv, scratch, startRegistry, strata, withDriver } from './app.mjs';
import { rootfsImage, textOf, type, waitFor } from './fixtures.mjs';

const shot = async (app, name) => {
  await sleep(400);
  return app.screenshot(join(SHOTS, `network-${name}.png`));
};

/** A loopback port nothing listens on. */
async function closedPort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * An HTTP forward proxy for plain-HTTP registries (requests in absolute form, as reqwest
 * sends them through an `http://` proxy): forwards each one and logs `METHOD URL`.
 */
async function forwardProxy() {
  const log = [];
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    const upstream = request(req.url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(upstream);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    log,
    stop: () => new Promise((done) => server.close(done)),
  };
}

describe('Mirrors and a proxy', () => {
  const place = scratch('network');
  let mirror;
  let proxy;
  let origin;

  before(async () => {
    mirror = await startRegistry('none');
    proxy = await forwardProxy();
    origin = `127.0.0.1:${await closedPort()}`;
    // The image is on the mirror only, under the path the origin would have it at.
    const maker = scratch('network-maker');
    rootfsImage(maker.home, join(maker.dir, 'rootfs'), { 'etc/motd': 'from the mirror\n' }, 'team/app:1');
    strata(maker.home, ['push', 'team/app:1', `${mirror.host}/team/app:1`]);
    maker.remove();
  });
  after(async () => {
    await proxy?.stop();
    await mirror?.stop();
    place.remove();
  });

  it('pulls an unreachable registry’s image from its mirror, through the proxy set in Settings', async () => {
    await withDriver(appEnv(place), async (open) => {
      const app = await open();
      await app.click('[data-nav="settings"]');
      await type(app, '[data-testid="mirror-registry"]', origin);
      await type(app, '[data-testid="mirror-url"]', `http://${mirror.host}`);
      await app.click('[data-testid="mirror-add"]');
      await waitFor('the mirror to be listed', async () =>
        (await textOf(app, '[data-testid="mirrors"]'))?.includes(`http://${mirror.host}`),
      );
      await type(app, '[data-testid="proxy-url"]', proxy.url);
      await app.click('[data-testid="proxy-save"]');
      await waitFor('the proxy to be in use', async () =>
        (await textOf(app, '[data-testid="proxy-state"]'))?.includes(proxy.url),
      );
      // WebKitWebDriver's snapshot lags the screen by up to a second here (an X capture of
      // the same moment showed the list): wait before taking it.
      await app.execute(`document.activeElement?.blur()`);
      await sleep(1500);
      await shot(app, 'settings');
      // What the app saved is what the CLI reads.
      assert.deepEqual(JSON.parse(strata(place.home, ['mirrors', 'ls', '--json']))[origin], [`http://${mirror.host}`]);
      assert.equal(JSON.parse(strata(place.home, ['proxy', 'show', '--json'])).settings.url, proxy.url);

      await app.click('[data-nav="images"]');
      await app.click('[data-testid="pull-open"]');
      const remote = `${origin}/team/app:1`;
      await type(app, '[data-testid="pull-reference"]', remote);
      await waitFor('the full name', async () => (await textOf(app, '[data-testid="pull-full"]'))?.includes(remote));
      await app.click('[data-testid="pull-submit"]');
      await app.find(`[data-testid="image-row"][data-reference="${remote}"]`, { timeout: 60_000 });
      await shot(app, 'pulled');
    });
    const blobGets = proxy.log.filter((l) => l.startsWith(`GET http://${mirror.host}/v2/team/app/blobs/`));
    assert.ok(blobGets.length >= 2, `config and layer through the proxy: ${proxy.log.join('\n')}`);
    assert.ok(!proxy.log.some((l) => l.includes(origin)), `the origin was asked: ${proxy.log.join('\n')}`);
    const listed = JSON.parse(strata(place.home, ['images', '--json']));
    assert.ok(JSON.stringify(listed).includes(`${origin}/team/app:1`), JSON.stringify(listed));
  });
});
