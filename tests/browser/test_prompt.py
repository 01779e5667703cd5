"""The site's soft prompt in a real Chromium: it waits for the configured page views, and
accepting it subscribes the browser with the site."""

import json

import pytest

from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.models import Subscriber


pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

#: Replaces only ``PushManager.prototype.subscribe``: it records how the site's script called it
#: and answers with the subscription the push sandbox handed out, shaped like a browser's
#: PushSubscription. Everything else (the service worker registration, the permission check,
#: ``getSubscription``, the POST to the site) is Chromium's own.
SUBSCRIBE_STUB = """
(() => {
  const sandbox = %s;
  const bytes = (b64) => Uint8Array.from(
    atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - b64.length %% 4) %% 4)),
    (c) => c.charCodeAt(0));
  window.__pushsegSubscribeCalls = [];
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__pushsegSubscribeCalls.push({
      userVisibleOnly: options.userVisibleOnly,
      applicationServerKey: btoa(String.fromCharCode(...key))
        .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''),
    });
    return {
      endpoint: sandbox.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: key.buffer },
      getKey: (name) => bytes(sandbox.keys[name]).buffer,
      toJSON: () => sandbox,
      unsubscribe: async () => true,
    };
  };
})();
"""


def test_prompt_appears_after_the_configured_views_and_accepting_subscribes(
    page, pages, sandbox, sandbox_subscription, settings, screenshot, allow_notifications,
):
    """Real: Chromium, the pages, pushseg.js, the service worker, the subscribe API.
    Stubbed: ``PushManager.subscribe`` only: a real subscription needs Chromium's own push
    service (Google's FCM), which cannot be reached offline (here the real call rejects with
    "AbortError: Registration failed - permission denied"). The stub returns a subscription
    the push sandbox handed out, with real keys.
    Chromium's permission prompt has no UI when headless: the test grants the permission when
    the visitor accepts the site's prompt, as clicking "Allow" would."""
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "PROMPT_AFTER_PAGE_VIEWS": 2}
    page.add_init_script(SUBSCRIBE_STUB % json.dumps(sandbox_subscription))
    prompt = page.locator("[data-pushseg-prompt]")

    # First view: the script has counted it and settled, the prompt stays hidden.
    page.goto(pages["home"].url)
    page.wait_for_selector("html[data-pushseg-state=unsubscribed]", state="attached")
    assert page.evaluate("localStorage.getItem('pushseg:views')") == "1"
    assert prompt.is_hidden()

    # Second view reaches PROMPT_AFTER_PAGE_VIEWS: the prompt shows itself.
    page.goto(pages["article"].url)
    prompt.wait_for(state="visible")
    assert prompt.get_by_role("heading").inner_text() == pushseg_settings.PROMPT_TITLE
    screenshot(page, "prompt")

    page.evaluate(
        "document.addEventListener('pushseg:subscribed',"
        " (event) => { window.__pushsegSubscribed = event.detail; }, { once: true })"
    )
    allow_notifications()
    prompt.get_by_role("button", name=pushseg_settings.PROMPT_ACCEPT).click()
    detail = page.wait_for_function("window.__pushsegSubscribed").json_value()

    assert detail["endpoint"] == sandbox_subscription["endpoint"]
    assert detail["created"] is True
    assert prompt.is_hidden()
    # The script asked the (stubbed) push manager for a visible-only subscription to the
    # site's own VAPID key.
    assert page.evaluate("window.__pushsegSubscribeCalls") == [
        {"userVisibleOnly": True, "applicationServerKey": pushseg_settings.VAPID_PUBLIC_KEY}
    ]
    subscriber = Subscriber.objects.get(endpoint=sandbox_subscription["endpoint"])
    assert subscriber.p256dh == sandbox_subscription["keys"]["p256dh"]
    assert subscriber.auth == sandbox_subscription["keys"]["auth"]
    assert subscriber.timezone == "Europe/Berlin"
    assert subscriber.browser == "Chrome"
