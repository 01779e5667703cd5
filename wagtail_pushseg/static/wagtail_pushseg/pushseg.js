/*
 * wagtail-pushseg: the site's subscribe script.
 *
 * Load it with {% pushseg_scripts %} (a classic deferred script, no build step). It reads its
 * config from <script type="application/json" id="pushseg-config">, registers the service worker,
 * counts page views, shows the site's soft prompt ({% pushseg_prompt %}) and wires up elements
 * marked data-pushseg-subscribe / data-pushseg-unsubscribe / data-pushseg-toggle.
 *
 * API (every call returns a promise):
 *   pushseg.subscribe()                 ask permission, subscribe, tell the site
 *   pushseg.unsubscribe({erase})        tell the site (erase: forget me), then unsubscribe
 *   pushseg.status()                    {supported, permission, subscribed, endpoint}
 *   pushseg.showPrompt()                show the soft prompt now (true if shown)
 *   pushseg.track(name, properties)     record a custom event for a subscribed visitor
 *
 * Events on document (detail in brackets):
 *   pushseg:subscribed {status, created, endpoint, renewed}
 *   pushseg:unsubscribed {status, erased}
 *   pushseg:error {stage, reason, message, error}
 *   pushseg:statechange {state}    state: unsupported | denied | subscribed | unsubscribed
 *   pushseg:prompt-shown {}, pushseg:prompt-declined {snoozeUntil}
 * The current state is also on <html data-pushseg-state="..."> for CSS.
 */
(function () {
  'use strict';

  const KEYS = {
    views: 'pushseg:views',
    snoozeUntil: 'pushseg:snoozeUntil',
    // The endpoint the site last acknowledged: "subscribed as far as the site knows".
    endpoint: 'pushseg:endpoint',
  };
  const DAY_MS = 24 * 60 * 60 * 1000;
  const ACTIONS = [
    '[data-pushseg-accept]',
    '[data-pushseg-decline]',
    '[data-pushseg-subscribe]',
    '[data-pushseg-unsubscribe]',
    '[data-pushseg-toggle]',
  ].join(',');

  let config = null;
  let registrationPromise = null;
  let pendingSubscribe = null;
  let state = null;
  let focusBeforePrompt = null;

  // ---------------------------------------------------------------- storage

  // localStorage throws in some private modes and when blocked by the user; fall back to
  // memory so the script keeps working for this page.
  const storage = (function () {
    const memory = new Map();
    let local = null;
    try {
      local = window.localStorage;
      local.setItem('pushseg:probe', '1');
      local.removeItem('pushseg:probe');
    } catch {
      local = null;
    }
    return {
      get(key) {
        try {
          return local ? local.getItem(key) : (memory.get(key) ?? null);
        } catch {
          return memory.get(key) ?? null;
        }
      },
      set(key, value) {
        try {
          if (local) local.setItem(key, String(value));
          else memory.set(key, String(value));
        } catch {
          memory.set(key, String(value));
        }
      },
      remove(key) {
        memory.delete(key);
        try {
          if (local) local.removeItem(key);
        } catch {
          // nothing to clean up
        }
      },
    };
  })();

  // ---------------------------------------------------------------- helpers

  const pushSupported =
    window.isSecureContext !== false &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window;

  function readConfig() {
    const element = document.getElementById('pushseg-config');
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      console.warn('pushseg: unreadable #pushseg-config', error);
      return null;
    }
  }

  function pushsegError(reason, message, extra) {
    return Object.assign(new Error(message), { reason }, extra);
  }

  // Why push cannot work on this page, or null when it can.
  function unavailable() {
    if (!config) {
      return pushsegError('not-configured', 'pushseg: no #pushseg-config on this page');
    }
    if (!pushSupported) {
      return pushsegError('unsupported', 'pushseg: push notifications are not supported here');
    }
    if (!validKey(config.vapidPublicKey)) {
      return pushsegError('not-configured', 'pushseg: the VAPID public key is missing or broken');
    }
    return null;
  }

  // An uncompressed P-256 point: 65 bytes starting with 0x04.
  function validKey(value) {
    try {
      const bytes = base64UrlToBytes(value);
      return bytes.length === 65 && bytes[0] === 4;
    } catch {
      return false;
    }
  }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent('pushseg:' + name, { detail: detail || {} }));
  }

  // Report, then reject: callers that ignore the promise still leave a trace in the console.
  function fail(stage, error) {
    const reason = error.reason || (error.status ? 'server' : 'browser');
    console.warn('pushseg: ' + stage + ' failed:', error.message || error);
    emit('error', { stage, reason, message: String(error.message || error), error });
    return Promise.reject(error);
  }

  // Our own buttons don't need the rejection: fail() has already reported it.
  function quietly(promise) {
    promise.catch(() => {});
  }

  function base64UrlToBytes(value) {
    const base64 = (value + '='.repeat((4 - (value.length % 4)) % 4))
      .replace(/-/g, '+')
      .replace(/_/g, '/');
    const raw = window.atob(base64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function serverKey() {
    return base64UrlToBytes(config.vapidPublicKey);
  }

  // A subscription made for another VAPID key (rotated keys, another push library on this
  // origin) cannot receive our pushes. Browsers that don't expose the key get the benefit of
  // the doubt.
  function sameKey(subscription, key) {
    const current = subscription.options && subscription.options.applicationServerKey;
    if (!current) return true;
    const bytes = new Uint8Array(current);
    return bytes.length === key.length && bytes.every((byte, i) => byte === key[i]);
  }

  function timezone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch {
      return '';
    }
  }

  async function postJSON(url, body, extra) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      ...extra,
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      throw pushsegError('server', (data && data.error) || 'HTTP ' + response.status, {
        status: response.status,
        field: (data && data.field) || null,
      });
    }
    return data || {};
  }

  // ---------------------------------------------------------------- service worker

  // pushManager.subscribe() needs an active worker, which a first registration has not yet.
  function whenActive(registration) {
    if (registration.active) return Promise.resolve(registration);
    const worker = registration.installing || registration.waiting;
    if (!worker) return navigator.serviceWorker.ready;
    return new Promise((resolve, reject) => {
      worker.addEventListener('statechange', () => {
        if (worker.state === 'activated') resolve(registration);
        else if (worker.state === 'redundant') {
          if (registration.active) resolve(registration);
          else reject(pushsegError('browser', 'pushseg: the service worker failed to install'));
        }
      });
    });
  }

  function registration() {
    if (!registrationPromise) {
      registrationPromise = navigator.serviceWorker
        .register(config.serviceWorkerUrl, {
          scope: config.serviceWorkerScope || '/',
          updateViaCache: 'none',
        })
        .then(whenActive);
      // Let a later call try again (say, after the site was offline).
      registrationPromise.catch(() => {
        registrationPromise = null;
      });
    }
    return registrationPromise;
  }

  // ---------------------------------------------------------------- subscribing

  function requestPermission() {
    if (Notification.permission !== 'default') return Promise.resolve(Notification.permission);
    // Older Safari takes a callback and returns undefined instead of a promise.
    return new Promise((resolve) => {
      const result = Notification.requestPermission(resolve);
      if (result && typeof result.then === 'function') result.then(resolve);
    });
  }

  async function currentSubscription(registration, key) {
    const subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription, key)) {
      await subscription.unsubscribe();
      return { subscription: null, replaced: true };
    }
    return { subscription, replaced: false };
  }

  // POST the subscription to the site. A browser may report a time zone or language the site
  // does not know; that must not cost the subscription, so retry once without it.
  async function send(subscription, omit) {
    const body = { ...subscription.toJSON(), timezone: timezone(), language: navigator.language };
    for (const field of omit || []) delete body[field];
    try {
      const result = await postJSON(config.subscribeUrl, body);
      storage.set(KEYS.endpoint, subscription.endpoint);
      return result;
    } catch (error) {
      const optional = ['timezone', 'language'];
      if (error.status === 400 && optional.includes(error.field) && !(omit || []).length) {
        return send(subscription, optional);
      }
      if (error.status >= 400 && error.status < 500 && error.status !== 429) {
        // The site refused it for good (e.g. a push service it does not allow): don't keep a
        // browser subscription nobody will ever push to.
        await subscription.unsubscribe().catch(() => {});
        storage.remove(KEYS.endpoint);
      }
      throw error;
    }
  }

  async function doSubscribe() {
    const problem = unavailable();
    if (problem) return fail('subscribe', problem);
    // Ask before anything else is awaited: Safari and Firefox only show the permission prompt
    // while the click that led here still counts as a user gesture.
    let permission;
    try {
      permission = await requestPermission();
    } catch (error) {
      return fail('subscribe', error);
    }
    if (permission !== 'granted') {
      // Dismissing the browser's prompt counts as "not now": asking again on the next page
      // gets the site's prompts muted by Chrome's quieter permission UI.
      if (permission === 'default') snooze();
      await refreshState();
      return fail(
        'subscribe',
        pushsegError('permission', 'pushseg: notification permission is ' + permission, {
          permission,
        }),
      );
    }
    try {
      const key = serverKey();
      const reg = await registration();
      let { subscription } = await currentSubscription(reg, key);
      if (!subscription) {
        subscription = await reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key,
        });
      }
      const result = await send(subscription);
      storage.remove(KEYS.snoozeUntil);
      closePrompt();
      emit('subscribed', {
        status: result.status,
        created: Boolean(result.created),
        endpoint: subscription.endpoint,
        renewed: false,
      });
      await refreshState();
      return result;
    } catch (error) {
      await refreshState().catch(() => {});
      return fail('subscribe', error);
    }
  }

  function subscribe() {
    // Two quick clicks share one flow instead of racing two subscriptions.
    if (!pendingSubscribe) {
      pendingSubscribe = doSubscribe().finally(() => {
        pendingSubscribe = null;
      });
    }
    return pendingSubscribe;
  }

  async function unsubscribe(options) {
    const erase = Boolean(options && options.erase);
    const problem = unavailable();
    if (problem) return fail('unsubscribe', problem);
    let serverError = null;
    let status = 'not-subscribed';
    try {
      const reg = await registration();
      const subscription = await reg.pushManager.getSubscription();
      if (subscription) {
        const json = subscription.toJSON();
        const body = { endpoint: json.endpoint, keys: { auth: json.keys && json.keys.auth } };
        if (erase) body.erase = true;
        try {
          status = (await postJSON(config.unsubscribeUrl, body)).status;
        } catch (error) {
          // 404: the site had already forgotten it, which is what we wanted.
          if (error.status !== 404) serverError = error;
        }
        // Stop the notifications whatever the site said: that is what the visitor asked for.
        await subscription.unsubscribe();
      }
      storage.remove(KEYS.endpoint);
    } catch (error) {
      await refreshState().catch(() => {});
      return fail('unsubscribe', error);
    }
    await refreshState();
    if (serverError) return fail('unsubscribe', serverError);
    emit('unsubscribed', { status, erased: erase && status === 'erased' });
    return { status };
  }

  async function status() {
    const problem = unavailable();
    if (problem) {
      return { supported: false, permission: 'unsupported', subscribed: false, endpoint: null };
    }
    const permission = Notification.permission;
    let subscription = null;
    try {
      subscription = await (await registration()).pushManager.getSubscription();
    } catch (error) {
      console.warn('pushseg: service worker unavailable:', error.message || error);
    }
    const subscribed =
      Boolean(subscription) && permission === 'granted' && sameKey(subscription, serverKey());
    return {
      supported: true,
      permission,
      subscribed,
      endpoint: subscribed ? subscription.endpoint : null,
    };
  }

  // On each page load: keep the site's record in step with the browser. Permission is already
  // granted when this re-subscribes, so no user gesture is needed.
  async function sync() {
    const key = serverKey();
    const reg = await registration();
    let { subscription, replaced } = await currentSubscription(reg, key);
    if (replaced && Notification.permission === 'granted') {
      subscription = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key,
      });
      const result = await send(subscription);
      emit('subscribed', {
        status: result.status,
        created: Boolean(result.created),
        endpoint: subscription.endpoint,
        renewed: true,
      });
    } else if (!subscription) {
      storage.remove(KEYS.endpoint);
    } else if (storage.get(KEYS.endpoint) !== subscription.endpoint) {
      // A POST that failed earlier, or an endpoint the service worker renewed.
      await send(subscription);
    }
  }

  // ---------------------------------------------------------------- state and buttons

  async function refreshState() {
    const current = await status();
    let next = 'unsubscribed';
    if (!current.supported) next = 'unsupported';
    else if (current.permission === 'denied') next = 'denied';
    else if (current.subscribed) next = 'subscribed';
    document.documentElement.setAttribute('data-pushseg-state', next);
    for (const button of document.querySelectorAll('[data-pushseg-toggle]')) {
      const usable = next === 'subscribed' || next === 'unsubscribed';
      button.hidden = !usable;
      button.setAttribute('aria-pressed', String(next === 'subscribed'));
      const label = button.getAttribute(
        next === 'subscribed' ? 'data-pushseg-label-unsubscribe' : 'data-pushseg-label-subscribe',
      );
      if (label) button.textContent = label;
    }
    if (next !== state) {
      state = next;
      emit('statechange', { state });
    }
    return current;
  }

  // ---------------------------------------------------------------- soft prompt

  function promptElement() {
    return document.querySelector('[data-pushseg-prompt]');
  }

  function openPrompt(focus) {
    const prompt = promptElement();
    if (!prompt) return false;
    if (prompt.hidden) {
      prompt.hidden = false;
      emit('prompt-shown', {});
    }
    // Only move focus when the visitor asked for the prompt; an automatic prompt must not pull
    // a keyboard or screen reader user away from what they were reading.
    if (focus) {
      focusBeforePrompt = document.activeElement;
      const accept = prompt.querySelector('[data-pushseg-accept]');
      if (accept) accept.focus();
    }
    return true;
  }

  function closePrompt() {
    const prompt = promptElement();
    if (!prompt || prompt.hidden) return;
    const hadFocus = prompt.contains(document.activeElement);
    prompt.hidden = true;
    if (hadFocus && focusBeforePrompt && document.contains(focusBeforePrompt)) {
      focusBeforePrompt.focus();
    }
    focusBeforePrompt = null;
  }

  function snooze() {
    const days = Math.max(0, Number(config && config.promptSnoozeDays) || 0);
    const snoozeUntil = Date.now() + days * DAY_MS;
    storage.set(KEYS.snoozeUntil, snoozeUntil);
    return snoozeUntil;
  }

  function decline() {
    const snoozeUntil = snooze();
    closePrompt();
    emit('prompt-declined', { snoozeUntil });
  }

  async function showPrompt() {
    const current = await status();
    if (!current.supported || current.permission === 'denied' || current.subscribed) return false;
    return openPrompt(true);
  }

  function maybePromptAutomatically(current) {
    const after = Number(config.promptAfterPageViews) || 0;
    const views = Number(storage.get(KEYS.views)) || 0;
    const snoozeUntil = Number(storage.get(KEYS.snoozeUntil)) || 0;
    if (after <= 0 || views < after) return;
    if (current.permission !== 'default' || current.subscribed) return;
    if (snoozeUntil > Date.now()) return;
    openPrompt(false);
  }

  // ---------------------------------------------------------------- tracking

  function track(name, properties) {
    if (typeof name !== 'string' || !name) {
      return Promise.reject(new TypeError('pushseg.track() needs an event name'));
    }
    if (!config || !config.trackUrl) {
      return Promise.resolve({ tracked: false, reason: 'no-track-url' });
    }
    // Only visitors who opted in are tracked (the site checks the visitor cookie as well).
    if (!storage.get(KEYS.endpoint)) {
      return Promise.resolve({ tracked: false, reason: 'not-subscribed' });
    }
    return sendEvent({ event: name, properties: properties || {} }).then(
      (data) => ({ tracked: true, ...data }),
      (error) => fail('track', error),
    );
  }

  // keepalive lets an event sent while the visitor navigates away still arrive.
  function sendEvent(body) {
    return postJSON(config.trackUrl, body, { keepalive: true });
  }

  // Sites behind a full-page cache turn server-side view tracking off; the page's id then
  // comes in the config and the script reports the view of a subscribed visitor.
  function reportPageView() {
    if (!config.reportPageViews || !config.pageId || !config.trackUrl) return;
    if (!storage.get(KEYS.endpoint)) return;
    sendEvent({ event: 'page_view', page: config.pageId, properties: {} }).catch((error) =>
      console.warn('pushseg: page view not recorded:', error.message || error),
    );
  }

  // ---------------------------------------------------------------- start-up

  function onClick(event) {
    const target = event.target instanceof Element ? event.target.closest(ACTIONS) : null;
    if (!target) return;
    event.preventDefault();
    // subscribe() must be called synchronously here, inside the click's user gesture.
    if (target.hasAttribute('data-pushseg-accept')) {
      // Out of the way before the browser's own prompt appears.
      closePrompt();
      quietly(subscribe());
    } else if (target.hasAttribute('data-pushseg-decline')) {
      decline();
    } else if (target.hasAttribute('data-pushseg-subscribe')) {
      quietly(subscribe());
    } else if (target.hasAttribute('data-pushseg-unsubscribe')) {
      quietly(unsubscribe({ erase: target.hasAttribute('data-pushseg-erase') }));
    } else if (state === 'subscribed') {
      quietly(unsubscribe());
    } else {
      quietly(subscribe());
    }
  }

  function onKeydown(event) {
    const prompt = promptElement();
    if (event.key === 'Escape' && prompt && !prompt.hidden && prompt.contains(event.target)) {
      decline();
    }
  }

  async function start() {
    config = readConfig();
    document.addEventListener('click', onClick);
    document.addEventListener('keydown', onKeydown);
    storage.set(KEYS.views, (Number(storage.get(KEYS.views)) || 0) + 1);
    const problem = unavailable();
    if (problem) {
      console.warn(problem.message);
      await refreshState();
      return;
    }
    try {
      await sync();
    } catch (error) {
      quietly(fail('sync', error));
    }
    reportPageView();
    maybePromptAutomatically(await refreshState());
  }

  window.pushseg = { subscribe, unsubscribe, status, showPrompt, track };

  function boot() {
    start().catch((error) => console.warn('pushseg: start-up failed:', error));
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot, { once: true });
  } else {
    boot();
  }
})();
