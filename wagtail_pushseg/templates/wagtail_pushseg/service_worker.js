{% load pushseg_tags %}/*
 * wagtail-pushseg service worker, served at the site root (scope "/").
 *
 * Payload (JSON): {title, body, url, icon, image, badge, tag, actions: [{action, title, url?}],
 * data: {click_url?, receipt_url?, ...}, renotify?, require_interaction?}
 *
 * A site with its own service worker can importScripts() this one: everything below only adds
 * event listeners.
 */
'use strict';

const PUSHSEG = {% pushseg_sw_config %};

self.addEventListener('install', (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// ------------------------------------------------------------------ helpers

function pushsegSameOrigin(url) {
  try {
    return new URL(url, self.location.origin).origin === self.location.origin;
  } catch {
    return false;
  }
}

// Only http(s) may be opened: a payload is data, never a javascript: URL.
function pushsegOpenableUrl(url) {
  if (!url || typeof url !== 'string') return null;
  try {
    const absolute = new URL(url, self.location.origin);
    return absolute.protocol === 'https:' || absolute.protocol === 'http:' ? absolute.href : null;
  } catch {
    return null;
  }
}

// Receipts go to the site only (the URL is signed by it); a failed receipt never blocks or
// breaks the notification itself.
function pushsegReport(url, event) {
  if (!url || !pushsegSameOrigin(url)) return Promise.resolve();
  return fetch(url, {
    method: 'POST',
    mode: 'same-origin',
    credentials: 'same-origin',
    keepalive: true,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ event }),
  }).catch(() => {});
}

function pushsegReadPayload(data) {
  if (!data) return {};
  try {
    const payload = data.json();
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? payload : {};
  } catch {
    // Not JSON: show the text rather than nothing.
    try {
      return { body: data.text() };
    } catch {
      return {};
    }
  }
}

function pushsegFallback(data) {
  return {
    title: PUSHSEG.fallbackTitle,
    options: { body: PUSHSEG.fallbackBody, data: data || { url: '', actionUrls: {}, data: {} } },
  };
}

function pushsegNotification(payload) {
  const hasTitle = typeof payload.title === 'string' && payload.title !== '';
  const title = hasTitle ? payload.title : PUSHSEG.fallbackTitle;
  const extra = payload.data && typeof payload.data === 'object' ? payload.data : {};
  const maxActions = self.Notification && Notification.maxActions ? Notification.maxActions : 2;
  const actions = (Array.isArray(payload.actions) ? payload.actions : [])
    .filter((a) => a && typeof a.action === 'string' && a.action && typeof a.title === 'string')
    .slice(0, maxActions);
  const actionUrls = {};
  for (const action of actions) {
    if (action.url) actionUrls[action.action] = action.url;
  }
  const options = {
    body: typeof payload.body === 'string' ? payload.body : hasTitle ? '' : PUSHSEG.fallbackBody,
    // Kept apart: url and action urls come from the payload, data is the site's own bag
    // (click_url, receipt_url, campaign ids...).
    data: { url: typeof payload.url === 'string' ? payload.url : '', actionUrls, data: extra },
  };
  const icon = payload.icon || PUSHSEG.defaultIcon;
  if (icon) options.icon = String(icon);
  if (payload.image) options.image = String(payload.image);
  if (payload.badge) options.badge = String(payload.badge);
  if (payload.lang) options.lang = String(payload.lang);
  if (payload.tag) {
    options.tag = String(payload.tag);
    // renotify without a tag is a TypeError, so it only comes with one.
    options.renotify = Boolean(payload.renotify);
  }
  if (payload.require_interaction) options.requireInteraction = true;
  if (actions.length) {
    options.actions = actions.map((a) => {
      const action = { action: a.action, title: a.title };
      if (a.icon) action.icon = String(a.icon);
      return action;
    });
  }
  return { title, options };
}

// ------------------------------------------------------------------ push

self.addEventListener('push', (event) => {
  // Always show something: a push without a notification is what browsers punish
  // (Chrome shows its own "site updated in the background" and may revoke permission).
  let notification;
  try {
    notification = pushsegNotification(pushsegReadPayload(event.data));
  } catch {
    notification = pushsegFallback();
  }
  const { title, options } = notification;
  const receiptUrl = options.data.data.receipt_url;
  const shown = self.registration
    .showNotification(title, options)
    .catch(() => {
      const fallback = pushsegFallback(options.data);
      return self.registration.showNotification(fallback.title, fallback.options);
    });
  event.waitUntil(shown.then(() => pushsegReport(receiptUrl, 'shown')));
});

// ------------------------------------------------------------------ click and close

async function pushsegFocusOrOpen(url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) {
    if (client.url === url && 'focus' in client) return client.focus();
  }
  return self.clients.openWindow ? self.clients.openWindow(url) : undefined;
}

self.addEventListener('notificationclick', (event) => {
  const notification = event.notification;
  notification.close();
  const data = notification.data || {};
  const extra = data.data || {};
  const url =
    pushsegOpenableUrl(event.action && data.actionUrls && data.actionUrls[event.action]) ||
    pushsegOpenableUrl(extra.click_url) ||
    pushsegOpenableUrl(data.url) ||
    new URL('/', self.location.origin).href;
  event.waitUntil(pushsegFocusOrOpen(url));
});

self.addEventListener('notificationclose', (event) => {
  const data = event.notification.data || {};
  const extra = data.data || {};
  event.waitUntil(pushsegReport(extra.receipt_url, 'dismissed'));
});

// ------------------------------------------------------------------ subscription renewal

async function pushsegServerKey(oldSubscription) {
  const options = oldSubscription && oldSubscription.options;
  if (options && options.applicationServerKey) return options.applicationServerKey;
  const response = await fetch(PUSHSEG.vapidPublicKeyUrl, { credentials: 'same-origin' });
  const { publicKey } = await response.json();
  const base64 = (publicKey + '='.repeat((4 - (publicKey.length % 4)) % 4))
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

async function pushsegResubscribe(event) {
  // Firefox may hand over the new subscription; otherwise make one with the same key.
  let subscription = event.newSubscription;
  if (!subscription) {
    const applicationServerKey = await pushsegServerKey(event.oldSubscription);
    subscription = await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey,
    });
  }
  const body = { ...subscription.toJSON() };
  try {
    body.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    // leave it out
  }
  if (self.navigator && navigator.language) body.language = navigator.language;
  // The old subscription cannot be unsubscribed here (its auth secret is not exposed); the
  // site expires it when its push service answers 404/410.
  const response = await pushsegPostSubscription(body);
  if (response.status === 400) {
    // A time zone or language the site does not know must not cost the subscription.
    const problem = await response.json().catch(() => ({}));
    if (problem.field === 'timezone' || problem.field === 'language') {
      delete body.timezone;
      delete body.language;
      await pushsegPostSubscription(body);
    }
  }
}

function pushsegPostSubscription(body) {
  return fetch(PUSHSEG.subscribeUrl, {
    method: 'POST',
    mode: 'same-origin',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(pushsegResubscribe(event));
});
