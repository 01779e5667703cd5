// Runs the rendered service worker in a fake ServiceWorkerGlobalScope and checks one scenario.
// Usage: node sw_harness.js <service_worker.js> <scenario>; exits non-zero on failure.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const vm = require('node:vm');

const [scriptPath, scenario] = process.argv.slice(2);
const ORIGIN = 'https://site.test';

function makeScope() {
  const log = [];
  const listeners = {};
  const scope = {
    log,
    listeners,
    URL,
    Intl,
    atob,
    console,
    TextEncoder,
    navigator: { language: 'de-DE' },
    location: { origin: ORIGIN, href: ORIGIN + '/pushseg-sw.js' },
    Notification: { maxActions: 2 },
    failFirstShow: false,
    windows: [],
    newSubscriptionEndpoint: 'https://push.test/new',
    fetchResponses: {},
  };
  scope.self = scope;
  scope.addEventListener = (type, fn) => {
    (listeners[type] = listeners[type] || []).push(fn);
  };
  scope.skipWaiting = () => {
    log.push(['skipWaiting']);
    return Promise.resolve();
  };
  scope.clients = {
    claim: () => {
      log.push(['claim']);
      return Promise.resolve();
    },
    matchAll: async (options) => {
      log.push(['matchAll', options]);
      return scope.windows;
    },
    openWindow: async (url) => {
      log.push(['openWindow', url]);
      return {};
    },
  };
  scope.registration = {
    showNotification: async (title, options) => {
      log.push(['showNotification', title, options]);
      if (scope.failFirstShow) {
        scope.failFirstShow = false;
        throw new TypeError('bad options');
      }
    },
    pushManager: {
      subscribe: async (options) => {
        log.push(['subscribe', options]);
        const endpoint = scope.newSubscriptionEndpoint;
        return { endpoint, toJSON: () => ({ endpoint, keys: { p256dh: 'P', auth: 'A' } }) };
      },
    },
  };
  scope.fetch = async (url, init) => {
    log.push(['fetch', url, init || {}]);
    const respond = scope.fetchResponses[url];
    const { status, body } = respond ? respond(init) : { status: 200, body: {} };
    return { ok: status < 400, status, json: async () => body };
  };
  vm.createContext(scope);
  vm.runInContext(fs.readFileSync(scriptPath, 'utf8'), scope, { filename: scriptPath });
  return scope;
}

// Dispatch like a browser: handlers run synchronously, waitUntil must be called before they
// return, and the event is done when every waitUntil promise settles.
async function dispatch(scope, type, fields) {
  const waits = [];
  let open = true;
  const event = {
    ...fields,
    waitUntil(promise) {
      assert.ok(open, `${type}: waitUntil called after the handler returned`);
      waits.push(promise);
    },
  };
  for (const fn of scope.listeners[type] || []) fn(event);
  open = false;
  await Promise.all(waits);
  return waits.length;
}

function pushData(value) {
  if (value === undefined) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { text: () => text, json: () => JSON.parse(text) };
}

// Objects made inside the vm have that realm's prototypes; compare them as plain data.
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

function calls(scope, name) {
  return scope.log.filter((entry) => entry[0] === name);
}

const scenarios = {
  async install_and_activate(scope) {
    assert.equal(await dispatch(scope, 'install', {}), 1);
    assert.equal(await dispatch(scope, 'activate', {}), 1);
    assert.deepEqual(scope.log.map((e) => e[0]), ['skipWaiting', 'claim']);
  },

  async push_without_payload_still_shows(scope) {
    assert.equal(await dispatch(scope, 'push', { data: null }), 1);
    const shown = calls(scope, 'showNotification');
    assert.equal(shown.length, 1);
    assert.equal(shown[0][1], 'New notification');
    assert.equal(calls(scope, 'fetch').length, 0);
  },

  async push_with_text_payload_shows_the_text(scope) {
    await dispatch(scope, 'push', { data: pushData('not json {') });
    const [, title, options] = calls(scope, 'showNotification')[0];
    assert.equal(title, 'New notification');
    assert.equal(options.body, 'not json {');
  },

  async push_with_non_object_json_shows_fallback(scope) {
    await dispatch(scope, 'push', { data: pushData('[1, 2]') });
    assert.equal(calls(scope, 'showNotification')[0][1], 'New notification');
  },

  async push_shows_payload_and_reports_shown(scope) {
    const payload = {
      title: 'New article',
      body: 'Read it now',
      url: '/news/one/',
      icon: '/static/icon.png',
      image: '/static/image.png',
      badge: '/static/badge.png',
      tag: 'campaign-7',
      renotify: true,
      require_interaction: true,
      actions: [
        { action: 'read', title: 'Read', url: '/news/one/?via=action' },
        { action: 'later', title: 'Later' },
        { action: 'third', title: 'Cut by maxActions', url: '/x/' },
        { title: 'no action id' },
      ],
      data: { click_url: '/pushseg/c/signed/', receipt_url: '/pushseg/r/signed/', campaign: 7 },
    };
    await dispatch(scope, 'push', { data: pushData(payload) });
    const [, title, options] = calls(scope, 'showNotification')[0];
    assert.equal(title, 'New article');
    assert.equal(options.body, 'Read it now');
    assert.equal(options.icon, '/static/icon.png');
    assert.equal(options.image, '/static/image.png');
    assert.equal(options.badge, '/static/badge.png');
    assert.equal(options.tag, 'campaign-7');
    assert.equal(options.renotify, true);
    assert.equal(options.requireInteraction, true);
    assert.deepEqual(plain(options.actions), [
      { action: 'read', title: 'Read' },
      { action: 'later', title: 'Later' },
    ]);
    assert.deepEqual(plain(options.data), {
      url: '/news/one/',
      actionUrls: { read: '/news/one/?via=action' },
      data: payload.data,
    });
    // The receipt follows the notification, to the site, as JSON that survives the worker.
    const order = scope.log.map((e) => e[0]);
    assert.ok(order.indexOf('showNotification') < order.indexOf('fetch'));
    const [, url, init] = calls(scope, 'fetch')[0];
    assert.equal(url, '/pushseg/r/signed/');
    assert.equal(init.method, 'POST');
    assert.equal(init.keepalive, true);
    assert.equal(init.mode, 'same-origin');
    assert.equal(init.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(init.body), { event: 'shown' });
  },

  async renotify_needs_a_tag(scope) {
    await dispatch(scope, 'push', { data: pushData({ title: 'T', renotify: true }) });
    const [, , options] = calls(scope, 'showNotification')[0];
    assert.equal('renotify' in options, false);
    assert.equal('tag' in options, false);
  },

  async rejected_options_fall_back_to_a_generic_notification(scope) {
    scope.failFirstShow = true;
    await dispatch(scope, 'push', { data: pushData({ title: 'T', data: { receipt_url: '/r/' } }) });
    const shown = calls(scope, 'showNotification');
    assert.equal(shown.length, 2);
    assert.equal(shown[1][1], 'New notification');
    assert.equal(calls(scope, 'fetch')[0][1], '/r/');
  },

  async cross_origin_receipt_is_not_sent(scope) {
    const data = { receipt_url: 'https://evil.test/collect' };
    await dispatch(scope, 'push', { data: pushData({ title: 'T', data }) });
    assert.equal(calls(scope, 'showNotification').length, 1);
    assert.equal(calls(scope, 'fetch').length, 0);
  },

  async click_on_action_opens_its_url(scope) {
    const notification = {
      close: () => scope.log.push(['close']),
      data: { url: '/page/', actionUrls: { read: '/page/?a=1' }, data: { click_url: '/c/' } },
    };
    assert.equal(await dispatch(scope, 'notificationclick', { notification, action: 'read' }), 1);
    assert.equal(calls(scope, 'close').length, 1);
    assert.deepEqual(calls(scope, 'openWindow')[0], ['openWindow', ORIGIN + '/page/?a=1']);
  },

  async click_prefers_click_url_then_url_then_root(scope) {
    const data = { url: '/page/', actionUrls: {}, data: { click_url: '/c/signed/' } };
    const close = () => {};
    await dispatch(scope, 'notificationclick', { notification: { close, data }, action: '' });
    await dispatch(scope, 'notificationclick', {
      notification: { close, data: { ...data, data: {} } },
      action: 'unknown',
    });
    await dispatch(scope, 'notificationclick', {
      notification: { close, data: { url: 'javascript:alert(1)' } },
      action: '',
    });
    await dispatch(scope, 'notificationclick', { notification: { close, data: null }, action: '' });
    assert.deepEqual(
      calls(scope, 'openWindow').map((e) => e[1]),
      [ORIGIN + '/c/signed/', ORIGIN + '/page/', ORIGIN + '/', ORIGIN + '/'],
    );
  },

  async click_focuses_an_open_window_with_that_url(scope) {
    let focused = false;
    scope.windows = [{ url: ORIGIN + '/page/', focus: async () => (focused = true) }];
    const notification = { close: () => {}, data: { url: '/page/', actionUrls: {}, data: {} } };
    await dispatch(scope, 'notificationclick', { notification, action: '' });
    assert.equal(focused, true);
    assert.equal(calls(scope, 'openWindow').length, 0);
    assert.deepEqual(plain(calls(scope, 'matchAll')[0][1]), { type: 'window', includeUncontrolled: true });
  },

  async close_reports_dismissed(scope) {
    const data = { url: '/p/', actionUrls: {}, data: { receipt_url: '/pushseg/r/x/' } };
    assert.equal(await dispatch(scope, 'notificationclose', { notification: { data } }), 1);
    const [, url, init] = calls(scope, 'fetch')[0];
    assert.equal(url, '/pushseg/r/x/');
    assert.deepEqual(JSON.parse(init.body), { event: 'dismissed' });
    await dispatch(scope, 'notificationclose', { notification: { data: { data: {} } } });
    assert.equal(calls(scope, 'fetch').length, 1);
  },

  async subscription_change_resubscribes_with_the_old_key(scope) {
    const key = new Uint8Array([4, 1, 2, 3]).buffer;
    const oldSubscription = { endpoint: 'https://push.test/old', options: { applicationServerKey: key } };
    assert.equal(await dispatch(scope, 'pushsubscriptionchange', { oldSubscription }), 1);
    const [, options] = calls(scope, 'subscribe')[0];
    assert.equal(options.userVisibleOnly, true);
    assert.equal(options.applicationServerKey, key);
    const [, url, init] = calls(scope, 'fetch')[0];
    assert.equal(url, '/pushseg/api/subscribe');
    assert.equal(init.method, 'POST');
    assert.equal(init.headers['Content-Type'], 'application/json');
    const body = JSON.parse(init.body);
    assert.equal(body.endpoint, 'https://push.test/new');
    assert.deepEqual(body.keys, { p256dh: 'P', auth: 'A' });
    assert.equal(body.language, 'de-DE');
    assert.equal(typeof body.timezone, 'string');
  },

  async subscription_change_fetches_the_key_when_unknown(scope) {
    scope.fetchResponses['/pushseg/api/vapid-public-key'] = () => ({
      status: 200,
      body: { publicKey: 'BAEC_w' },
    });
    await dispatch(scope, 'pushsubscriptionchange', { oldSubscription: null });
    const [, options] = calls(scope, 'subscribe')[0];
    assert.deepEqual(Array.from(options.applicationServerKey), [4, 1, 2, 255]);
    assert.deepEqual(calls(scope, 'fetch').map((e) => e[1]), [
      '/pushseg/api/vapid-public-key',
      '/pushseg/api/subscribe',
    ]);
  },

  async subscription_change_uses_a_handed_over_subscription(scope) {
    const endpoint = 'https://push.test/handed-over';
    const newSubscription = { endpoint, toJSON: () => ({ endpoint, keys: { p256dh: 'P', auth: 'B' } }) };
    await dispatch(scope, 'pushsubscriptionchange', { oldSubscription: null, newSubscription });
    assert.equal(calls(scope, 'subscribe').length, 0);
    assert.equal(JSON.parse(calls(scope, 'fetch')[0][2].body).endpoint, endpoint);
  },

  async subscription_change_retries_without_an_unknown_time_zone(scope) {
    let attempts = 0;
    scope.fetchResponses['/pushseg/api/subscribe'] = () =>
      ++attempts === 1
        ? { status: 400, body: { error: 'unknown time zone', field: 'timezone' } }
        : { status: 201, body: { status: 'active', created: true } };
    const key = new Uint8Array([4]).buffer;
    await dispatch(scope, 'pushsubscriptionchange', {
      oldSubscription: { options: { applicationServerKey: key } },
    });
    const posts = calls(scope, 'fetch');
    assert.equal(posts.length, 2);
    assert.equal('timezone' in JSON.parse(posts[1][2].body), false);
  },
};

async function main() {
  if (scenario === '--list') {
    console.log(Object.keys(scenarios).join('\n'));
    return;
  }
  const run = scenarios[scenario];
  if (!run) throw new Error('unknown scenario ' + scenario);
  await run(makeScope());
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
