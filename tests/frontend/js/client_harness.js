// Runs pushseg.js against a small fake DOM and fake Push API and checks one scenario.
// Usage: node client_harness.js <pushseg.js> <scenario>; exits non-zero on failure.
// A "page load" is a fresh vm context; the browser (storage, permission, subscription) persists.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const vm = require('node:vm');

const [scriptPath, scenario] = process.argv.slice(2);
const SOURCE = fs.readFileSync(scriptPath, 'utf8');
const KEY_BYTES = Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : (i * 37) % 256));
const KEY = Buffer.from(KEY_BYTES).toString('base64url');
const OTHER_KEY = new Uint8Array(65).fill(9).buffer;
const DAY_MS = 24 * 60 * 60 * 1000;

// ------------------------------------------------------------------ fake DOM

class Element {
  constructor(attributes = {}, children = []) {
    this.attributes = new Map(Object.entries(attributes));
    this.children = children;
    this.parent = null;
    this.textContent = '';
    this.ownerPage = null;
    for (const child of children) child.parent = this;
  }
  get hidden() {
    return this.attributes.has('hidden');
  }
  set hidden(value) {
    if (value) this.attributes.set('hidden', '');
    else this.attributes.delete('hidden');
  }
  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }
  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }
  hasAttribute(name) {
    return this.attributes.has(name);
  }
  // Enough of CSS for the script: lists of [attribute] selectors.
  matches(selector) {
    return selector.split(',').some((part) => {
      const match = /^\[([\w-]+)\]$/.exec(part.trim());
      return Boolean(match) && this.attributes.has(match[1]);
    });
  }
  closest(selector) {
    for (let el = this; el; el = el.parent) if (el.matches(selector)) return el;
    return null;
  }
  querySelectorAll(selector) {
    const found = [];
    for (const child of this.children) {
      if (child.matches(selector)) found.push(child);
      found.push(...child.querySelectorAll(selector));
    }
    return found;
  }
  querySelector(selector) {
    return this.querySelectorAll(selector)[0] || null;
  }
  contains(other) {
    for (let el = other; el; el = el.parent) if (el === this) return true;
    return false;
  }
  focus() {
    this.ownerPage.document.activeElement = this;
  }
}

function promptMarkup() {
  const accept = new Element({ 'data-pushseg-accept': '' });
  const decline = new Element({ 'data-pushseg-decline': '' });
  const close = new Element({ 'data-pushseg-decline': '' });
  return {
    prompt: new Element({ 'data-pushseg-prompt': '', role: 'dialog', hidden: '' }, [
      accept,
      decline,
      close,
    ]),
    accept,
    decline,
  };
}

// ------------------------------------------------------------------ fake browser

function makeBrowser(overrides = {}) {
  return {
    storage: new Map(),
    permission: 'default',
    answer: 'granted', // what the visitor picks in the permission prompt
    subscription: null,
    pushSupported: true,
    log: [],
    responses: {},
    counter: 0,
    ...overrides,
  };
}

function makeSubscription(browser, applicationServerKey) {
  const n = ++browser.counter;
  const subscription = {
    endpoint: 'https://push.test/sub/' + n,
    options: { applicationServerKey },
    toJSON: () => ({
      endpoint: subscription.endpoint,
      expirationTime: null,
      keys: { p256dh: 'p256dh-' + n, auth: 'auth-' + n },
    }),
    unsubscribe: async () => {
      browser.log.push(['unsubscribe', subscription.endpoint]);
      if (browser.subscription === subscription) browser.subscription = null;
      return true;
    },
  };
  return subscription;
}

// Objects made inside the vm have that realm's prototypes; compare them as plain data.
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

function calls(browser, name) {
  return browser.log.filter((entry) => entry[0] === name);
}

function posts(browser, url) {
  return calls(browser, 'fetch')
    .filter((entry) => !url || entry[1] === url)
    .map((entry) => ({ url: entry[1], init: entry[2], body: JSON.parse(entry[2].body) }));
}

const CONFIG = {
  vapidPublicKey: KEY,
  subscribeUrl: '/pushseg/api/subscribe',
  unsubscribeUrl: '/pushseg/api/unsubscribe',
  vapidPublicKeyUrl: '/pushseg/api/vapid-public-key',
  trackUrl: null,
  serviceWorkerUrl: '/pushseg-sw.js',
  serviceWorkerScope: '/',
  promptAfterPageViews: 1,
  promptSnoozeDays: 30,
  pageId: null,
  reportPageViews: false,
};

function load(browser, { config = {}, withConfig = true } = {}) {
  const { prompt, accept, decline } = promptMarkup();
  const toggle = new Element({
    'data-pushseg-toggle': '',
    'data-pushseg-label-subscribe': 'Subscribe',
    'data-pushseg-label-unsubscribe': 'Stop',
    hidden: '',
  });
  const subscribeLink = new Element({ 'data-pushseg-subscribe': '' });
  const configElement = new Element();
  configElement.textContent = JSON.stringify({ ...CONFIG, ...config });
  const body = new Element({}, [prompt, toggle, subscribeLink]);
  const listeners = {};
  const events = [];
  const page = { prompt, accept, decline, toggle, subscribeLink, body, events, gesture: false };
  const document = {
    readyState: 'interactive',
    documentElement: new Element(),
    activeElement: body,
    getElementById: (id) => (id === 'pushseg-config' && withConfig ? configElement : null),
    querySelector: (selector) => body.querySelector(selector),
    querySelectorAll: (selector) => body.querySelectorAll(selector),
    contains: (el) => body.contains(el),
    addEventListener: (type, fn) => (listeners[type] = listeners[type] || []).push(fn),
    dispatchEvent: (event) => events.push([event.type, event.detail]),
  };
  page.document = document;
  for (const el of [prompt, accept, decline, toggle, subscribeLink, body, ...prompt.children]) {
    el.ownerPage = page;
  }

  const registration = {
    active: {},
    pushManager: {
      getSubscription: async () => browser.subscription,
      subscribe: async (options) => {
        browser.log.push(['subscribe', options]);
        const key = new Uint8Array(options.applicationServerKey).slice().buffer;
        browser.subscription = makeSubscription(browser, key);
        return browser.subscription;
      },
    },
  };
  const Notification = {
    get permission() {
      return browser.permission;
    },
    requestPermission: () => {
      browser.log.push(['requestPermission', page.gesture]);
      browser.permission = browser.answer;
      return Promise.resolve(browser.permission);
    },
  };
  const context = {
    console: { ...console, warn: (...args) => browser.log.push(['warn', args.join(' ')]) },
    document,
    Element,
    Intl,
    atob,
    setTimeout,
    CustomEvent: class {
      constructor(type, init) {
        this.type = type;
        this.detail = init && init.detail;
      }
    },
    isSecureContext: true,
    location: { href: 'https://site.test/news/one/' },
    localStorage: {
      getItem: (k) => (browser.storage.has(k) ? browser.storage.get(k) : null),
      setItem: (k, v) => browser.storage.set(k, String(v)),
      removeItem: (k) => browser.storage.delete(k),
    },
    navigator: {
      language: 'fr-FR',
      serviceWorker: {
        register: async (url, options) => {
          browser.log.push(['register', url, options]);
          return registration;
        },
        ready: Promise.resolve(registration),
      },
    },
    fetch: async (url, init) => {
      browser.log.push(['fetch', url, init]);
      const body = JSON.parse(init.body);
      const respond = browser.responses[url];
      let answer = respond && respond(body);
      if (!answer && url === CONFIG.subscribeUrl) {
        answer = { status: 201, body: { status: 'active', created: true } };
      }
      if (!answer && url === CONFIG.unsubscribeUrl) {
        answer = { status: 200, body: { status: body.erase ? 'erased' : 'unsubscribed' } };
      }
      answer = answer || { status: 201, body: { recorded: body.event } };
      return { ok: answer.status < 400, status: answer.status, json: async () => answer.body };
    },
  };
  if (browser.pushSupported) {
    context.PushManager = function PushManager() {};
    context.Notification = Notification;
  }
  context.window = context;
  vm.createContext(context);
  vm.runInContext(SOURCE, context, { filename: scriptPath });
  page.api = context.pushseg;
  page.click = (el) => {
    // The script must act within the click: that is where browsers allow the permission prompt.
    page.gesture = true;
    for (const fn of listeners.click || []) fn({ target: el, preventDefault() {} });
    page.gesture = false;
  };
  page.key = (key, target) => {
    for (const fn of listeners.keydown || []) fn({ key, target });
  };
  page.eventNames = () => events.map((e) => e[0]);
  page.state = () => document.documentElement.getAttribute('data-pushseg-state');
  return page;
}

function settle() {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

async function loadAndSettle(browser, options) {
  const page = load(browser, options);
  await settle();
  return page;
}

async function subscribedBrowser(overrides) {
  const browser = makeBrowser(overrides);
  const page = await loadAndSettle(browser, { config: { promptAfterPageViews: 0 } });
  page.click(page.subscribeLink);
  await settle();
  assert.ok(browser.subscription);
  browser.log.length = 0;
  return browser;
}

// ------------------------------------------------------------------ scenarios

const scenarios = {
  async registers_the_worker_and_waits_for_page_views() {
    const browser = makeBrowser();
    const first = await loadAndSettle(browser, { config: { promptAfterPageViews: 2 } });
    assert.deepEqual(plain(calls(browser, 'register')[0].slice(1)), [
      '/pushseg-sw.js',
      { scope: '/', updateViaCache: 'none' },
    ]);
    assert.equal(first.prompt.hidden, true);
    assert.equal(first.state(), 'unsubscribed');
    assert.equal(first.toggle.hidden, false);
    assert.equal(first.toggle.textContent, 'Subscribe');
    assert.equal(typeof first.api.subscribe, 'function');

    const second = await loadAndSettle(browser, { config: { promptAfterPageViews: 2 } });
    assert.equal(second.prompt.hidden, false);
    assert.ok(second.eventNames().includes('pushseg:prompt-shown'));
    // An automatic prompt does not steal focus.
    assert.equal(second.document.activeElement, second.body);
    assert.equal(browser.storage.get('pushseg:views'), '2');
  },

  async accept_asks_permission_in_the_click_and_posts_the_subscription() {
    const browser = makeBrowser();
    const page = await loadAndSettle(browser);
    assert.equal(page.prompt.hidden, false);
    page.click(page.accept);
    assert.equal(page.prompt.hidden, true);
    await settle();
    assert.deepEqual(calls(browser, 'requestPermission'), [['requestPermission', true]]);
    const [[, options]] = calls(browser, 'subscribe');
    assert.equal(options.userVisibleOnly, true);
    assert.deepEqual(Array.from(options.applicationServerKey), Array.from(KEY_BYTES));
    const [post] = posts(browser, CONFIG.subscribeUrl);
    assert.equal(post.init.method, 'POST');
    assert.equal(post.init.credentials, 'same-origin');
    assert.equal(post.init.headers['Content-Type'], 'application/json');
    assert.equal(post.body.endpoint, browser.subscription.endpoint);
    assert.deepEqual(post.body.keys, browser.subscription.toJSON().keys);
    assert.equal(post.body.language, 'fr-FR');
    assert.ok(post.body.timezone);
    const subscribed = page.events.find((e) => e[0] === 'pushseg:subscribed');
    assert.equal(subscribed[1].created, true);
    assert.equal(subscribed[1].endpoint, browser.subscription.endpoint);
    assert.equal(page.state(), 'subscribed');
    assert.equal(page.toggle.textContent, 'Stop');
    assert.equal(page.toggle.getAttribute('aria-pressed'), 'true');
    const status = await page.api.status();
    assert.equal(status.subscribed, true);
    assert.equal(status.permission, 'granted');

    // Subscribed visitors are not prompted again, and nothing is re-posted.
    browser.log.length = 0;
    const next = await loadAndSettle(browser);
    assert.equal(next.prompt.hidden, true);
    assert.equal(posts(browser).length, 0);
  },

  async decline_snoozes_the_prompt() {
    const browser = makeBrowser();
    const page = await loadAndSettle(browser);
    page.click(page.decline);
    assert.equal(page.prompt.hidden, true);
    const declined = page.events.find((e) => e[0] === 'pushseg:prompt-declined');
    const until = Number(browser.storage.get('pushseg:snoozeUntil'));
    assert.equal(declined[1].snoozeUntil, until);
    assert.ok(Math.abs(until - (Date.now() + 30 * DAY_MS)) < 5000);
    assert.equal(calls(browser, 'requestPermission').length, 0);

    assert.equal((await loadAndSettle(browser)).prompt.hidden, true);
    browser.storage.set('pushseg:snoozeUntil', String(Date.now() - 1));
    assert.equal((await loadAndSettle(browser)).prompt.hidden, false);
  },

  async escape_in_a_requested_prompt_declines_and_restores_focus() {
    const browser = makeBrowser();
    const page = await loadAndSettle(browser, { config: { promptAfterPageViews: 0 } });
    assert.equal(page.prompt.hidden, true);
    const opener = page.toggle;
    page.document.activeElement = opener;
    assert.equal(await page.api.showPrompt(), true);
    assert.equal(page.prompt.hidden, false);
    assert.equal(page.document.activeElement, page.accept);
    page.key('Escape', page.accept);
    assert.equal(page.prompt.hidden, true);
    assert.equal(page.document.activeElement, opener);
    assert.ok(browser.storage.get('pushseg:snoozeUntil'));
  },

  async denied_permission_reports_an_error_and_hides_the_toggle() {
    const browser = makeBrowser({ answer: 'denied' });
    const page = await loadAndSettle(browser);
    page.click(page.accept);
    await settle();
    const error = page.events.find((e) => e[0] === 'pushseg:error');
    assert.equal(error[1].stage, 'subscribe');
    assert.equal(error[1].reason, 'permission');
    assert.equal(page.state(), 'denied');
    assert.equal(page.toggle.hidden, true);
    assert.equal(calls(browser, 'subscribe').length, 0);
    assert.equal(posts(browser).length, 0);
    assert.equal(await page.api.showPrompt(), false);
  },

  async dismissed_permission_prompt_snoozes() {
    const browser = makeBrowser({ answer: 'default' });
    const page = await loadAndSettle(browser);
    page.click(page.accept);
    await settle();
    assert.ok(Number(browser.storage.get('pushseg:snoozeUntil')) > Date.now());
    assert.equal((await loadAndSettle(browser)).prompt.hidden, true);
  },

  async subscription_for_another_key_is_replaced() {
    const browser = makeBrowser({ permission: 'granted' });
    const old = makeSubscription(browser, OTHER_KEY);
    browser.subscription = old;
    browser.storage.set('pushseg:endpoint', old.endpoint);
    const page = await loadAndSettle(browser);
    assert.deepEqual(calls(browser, 'unsubscribe'), [['unsubscribe', old.endpoint]]);
    const [[, options]] = calls(browser, 'subscribe');
    assert.deepEqual(Array.from(options.applicationServerKey), Array.from(KEY_BYTES));
    const [post] = posts(browser, CONFIG.subscribeUrl);
    assert.notEqual(post.body.endpoint, old.endpoint);
    const subscribed = page.events.find((e) => e[0] === 'pushseg:subscribed');
    assert.equal(subscribed[1].renewed, true);
    assert.equal(browser.storage.get('pushseg:endpoint'), post.body.endpoint);
    assert.equal(page.state(), 'subscribed');
  },

  async subscription_the_site_has_not_acknowledged_is_posted_on_load() {
    const browser = makeBrowser({ permission: 'granted' });
    browser.subscription = makeSubscription(browser, KEY_BYTES.slice().buffer);
    const page = await loadAndSettle(browser);
    assert.equal(posts(browser, CONFIG.subscribeUrl).length, 1);
    assert.equal(calls(browser, 'subscribe').length, 0);
    assert.equal(page.eventNames().includes('pushseg:subscribed'), false);
    assert.equal(browser.storage.get('pushseg:endpoint'), browser.subscription.endpoint);
  },

  async toggle_unsubscribes_and_unsubscribe_can_erase() {
    const browser = await subscribedBrowser();
    const endpoint = browser.subscription.endpoint;
    let page = await loadAndSettle(browser, { config: { promptAfterPageViews: 0 } });
    assert.equal(page.state(), 'subscribed');
    page.click(page.toggle);
    await settle();
    const [post] = posts(browser, CONFIG.unsubscribeUrl);
    assert.deepEqual(post.body, { endpoint, keys: { auth: 'auth-1' } });
    assert.deepEqual(calls(browser, 'unsubscribe'), [['unsubscribe', endpoint]]);
    const unsubscribed = page.events.find((e) => e[0] === 'pushseg:unsubscribed');
    assert.deepEqual(plain(unsubscribed[1]), { status: 'unsubscribed', erased: false });
    assert.equal(page.state(), 'unsubscribed');
    assert.equal(page.toggle.textContent, 'Subscribe');
    assert.equal(browser.storage.has('pushseg:endpoint'), false);

    page.click(page.toggle);
    await settle();
    assert.equal(page.state(), 'subscribed');
    browser.log.length = 0;
    const result = await page.api.unsubscribe({ erase: true });
    assert.equal(result.status, 'erased');
    assert.equal(posts(browser, CONFIG.unsubscribeUrl)[0].body.erase, true);
    const erased = page.events.filter((e) => e[0] === 'pushseg:unsubscribed').pop();
    assert.equal(erased[1].erased, true);
    page = await loadAndSettle(browser);
    assert.equal(page.state(), 'unsubscribed');
  },

  async unsubscribe_stops_notifications_even_when_the_site_fails() {
    const browser = await subscribedBrowser();
    browser.responses[CONFIG.unsubscribeUrl] = () => ({ status: 503, body: { error: 'down' } });
    const page = await loadAndSettle(browser, { config: { promptAfterPageViews: 0 } });
    await assert.rejects(page.api.unsubscribe(), /down/);
    assert.equal(browser.subscription, null);
    assert.equal(page.state(), 'unsubscribed');
    const error = page.events.find((e) => e[0] === 'pushseg:error');
    assert.equal(error[1].stage, 'unsubscribe');
    assert.equal(error[1].reason, 'server');
  },

  async unsupported_browser_fails_quietly() {
    const browser = makeBrowser({ pushSupported: false });
    const page = await loadAndSettle(browser);
    assert.equal(calls(browser, 'register').length, 0);
    assert.equal(calls(browser, 'warn').length, 1);
    assert.equal(page.state(), 'unsupported');
    assert.equal(page.toggle.hidden, true);
    assert.equal(page.prompt.hidden, true);
    await assert.rejects(page.api.subscribe(), (error) => error.reason === 'unsupported');
    assert.ok(page.eventNames().includes('pushseg:error'));
    assert.deepEqual(plain(await page.api.status()), {
      supported: false,
      permission: 'unsupported',
      subscribed: false,
      endpoint: null,
    });
    assert.equal(await page.api.showPrompt(), false);
    page.click(page.subscribeLink); // no throw
    await settle();
  },

  async missing_config_fails_quietly() {
    const browser = makeBrowser();
    const page = await loadAndSettle(browser, { withConfig: false });
    assert.equal(calls(browser, 'register').length, 0);
    assert.match(calls(browser, 'warn')[0][1], /pushseg-config/);
    await assert.rejects(page.api.subscribe(), (error) => error.reason === 'not-configured');
  },

  async broken_vapid_key_is_reported_and_never_used() {
    const browser = makeBrowser();
    const page = await loadAndSettle(browser, { config: { vapidPublicKey: 'not-a-key' } });
    assert.equal(calls(browser, 'register').length, 0);
    assert.match(calls(browser, 'warn')[0][1], /VAPID public key/);
    assert.equal(page.prompt.hidden, true);
    page.click(page.subscribeLink);
    await settle();
    assert.equal(calls(browser, 'requestPermission').length, 0);
    const error = page.events.find((e) => e[0] === 'pushseg:error');
    assert.equal(error[1].reason, 'not-configured');
  },

  async refused_subscription_is_dropped_from_the_browser() {
    const browser = makeBrowser();
    browser.responses[CONFIG.subscribeUrl] = () => ({
      status: 400,
      body: { error: 'push service not allowed', field: 'endpoint' },
    });
    const page = await loadAndSettle(browser);
    page.click(page.accept);
    await settle();
    assert.equal(calls(browser, 'unsubscribe').length, 1);
    assert.equal(browser.subscription, null);
    const error = page.events.find((e) => e[0] === 'pushseg:error');
    assert.equal(error[1].message, 'push service not allowed');
    assert.equal(error[1].error.field, 'endpoint');
    assert.equal(page.state(), 'unsubscribed');
  },

  async unknown_time_zone_is_retried_without_it() {
    const browser = makeBrowser();
    let attempts = 0;
    browser.responses[CONFIG.subscribeUrl] = () =>
      ++attempts === 1 ? { status: 400, body: { error: 'unknown', field: 'timezone' } } : null;
    const page = await loadAndSettle(browser);
    page.click(page.accept);
    await settle();
    const sent = posts(browser, CONFIG.subscribeUrl);
    assert.equal(sent.length, 2);
    assert.equal('timezone' in sent[1].body, false);
    assert.equal('language' in sent[1].body, false);
    assert.equal(page.state(), 'subscribed');
  },

  async two_quick_clicks_make_one_subscription() {
    const browser = makeBrowser();
    const page = await loadAndSettle(browser, { config: { promptAfterPageViews: 0 } });
    page.click(page.subscribeLink);
    page.click(page.toggle);
    await settle();
    assert.equal(calls(browser, 'subscribe').length, 1);
    assert.equal(posts(browser, CONFIG.subscribeUrl).length, 1);
  },

  async track_posts_only_for_subscribers_when_the_site_has_an_endpoint() {
    const browser = makeBrowser();
    let page = await loadAndSettle(browser, { config: { promptAfterPageViews: 0 } });
    assert.deepEqual(plain(await page.api.track('add_to_cart')), {
      tracked: false,
      reason: 'no-track-url',
    });
    const trackUrl = '/pushseg/api/track';
    page = await loadAndSettle(browser, { config: { promptAfterPageViews: 0, trackUrl } });
    assert.equal((await page.api.track('add_to_cart')).reason, 'not-subscribed');
    await assert.rejects(page.api.track(''), (error) => error.name === 'TypeError');
    page.click(page.subscribeLink);
    await settle();
    const result = await page.api.track('add_to_cart', { sku: 'A1' });
    assert.equal(result.tracked, true);
    const [post] = posts(browser, trackUrl);
    assert.deepEqual(post.body, { event: 'add_to_cart', properties: { sku: 'A1' } });
    assert.equal(post.init.keepalive, true);
  },

  async page_views_are_reported_when_the_server_does_not_track_them() {
    const browser = await subscribedBrowser();
    const trackUrl = '/pushseg/api/track';
    await loadAndSettle(browser, { config: { trackUrl, pageId: 12, reportPageViews: false } });
    assert.equal(posts(browser, trackUrl).length, 0);
    await loadAndSettle(browser, { config: { trackUrl, pageId: 12, reportPageViews: true } });
    assert.deepEqual(posts(browser, trackUrl)[0].body, {
      event: 'page_view',
      page: 12,
      properties: {},
    });
  },
};

async function main() {
  if (scenario === '--list') {
    console.log(Object.keys(scenarios).join('\n'));
    return;
  }
  const run = scenarios[scenario];
  if (!run) throw new Error('unknown scenario ' + scenario);
  await run();
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
