"""Tests for the push service sandbox, with pywebpush playing the site."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from py_vapid.jwt import sign as jwt_sign
from pywebpush import WebPusher, webpush

from wagtail_pushseg.testing import (
    PushSandbox,
    ReceivedMessage,
    SandboxState,
    b64url_decode,
    b64url_encode,
    free_port,
    self_signed_tls,
)
from wagtail_pushseg.testing.vapid_check import VapidError, parse_authorization


REPO = Path(__file__).resolve().parents[2]


# -- helpers -------------------------------------------------------------------------------
def new_vapid() -> Vapid02:
    vapid = Vapid02()
    vapid.generate_keys()
    return vapid


def public_key_b64(vapid: Vapid02) -> str:
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(raw)


def auth_header(vapid: Vapid02, sb: PushSandbox, **overrides: object) -> str:
    claims = {"aud": sb.origin, "exp": int(time.time()) + 3600, "sub": "mailto:t@example.com"}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    # Signed by hand: py_vapid's own sign() refuses some of the bad claims tested here.
    return f"vapid t={jwt_sign(claims, vapid.private_key)},k={public_key_b64(vapid)}"


def encrypt(sub: dict, data: bytes | str) -> bytes:
    if isinstance(data, str):
        data = data.encode()
    return WebPusher(sub).encode(data, "aes128gcm")["body"]


def post(
    sub: dict,
    body: bytes = b"",
    *,
    authorization: str | None = None,
    ttl: str | None = "60",
    encoding: str | None = "aes128gcm",
    extra: dict | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization
    if ttl is not None:
        headers["TTL"] = ttl
    if encoding is not None and body:
        headers["Content-Encoding"] = encoding
    headers.update(extra or {})
    return (session or requests).post(sub["endpoint"], data=body, headers=headers, timeout=10)


def push(sb: PushSandbox, vapid: Vapid02, sub: dict, data: str = '{"title": "t"}', **kw):
    """A well-formed push; returns the response without raising on error statuses."""
    return post(sub, encrypt(sub, data), authorization=auth_header(vapid, sb), **kw)


@pytest.fixture
def sb():
    with PushSandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def vapid() -> Vapid02:
    return new_vapid()


@pytest.fixture
def sub(sb: PushSandbox, vapid: Vapid02) -> dict:
    return sb.subscribe(public_key_b64(vapid))


# -- subscriptions and the happy path ------------------------------------------------------
def test_subscription_has_browser_shape(sb, vapid):
    sub = sb.subscribe(public_key_b64(vapid))
    assert sub["endpoint"].startswith(sb.base_url + "/push/")
    assert sub["expirationTime"] is None
    p256dh, auth = b64url_decode(sub["keys"]["p256dh"]), b64url_decode(sub["keys"]["auth"])
    assert len(p256dh) == 65 and p256dh[0] == 4
    assert len(auth) == 16
    assert "=" not in sub["keys"]["p256dh"] + sub["keys"]["auth"]
    assert sb.subscribe(public_key_b64(vapid))["endpoint"] != sub["endpoint"]
    with pytest.raises(ValueError):
        sb.subscribe("not-a-key")


def test_pywebpush_delivers_decrypted_json(sb, vapid, sub):
    data = {"title": "Hello", "body": "Wörld", "url": "https://example.com/a"}
    response = webpush(
        subscription_info=sub,
        data=json.dumps(data),
        vapid_private_key=vapid,
        vapid_claims={"sub": "mailto:test@example.com"},
        content_encoding="aes128gcm",
        ttl=60,
        headers={"Urgency": "high", "Topic": "news-1"},
    )
    assert response.status_code == 201
    [msg] = sb.messages(sub["endpoint"])
    assert isinstance(msg, ReceivedMessage)
    assert msg.json() == data
    assert msg.payload == json.dumps(data).encode()
    assert (msg.ttl, msg.urgency, msg.topic) == (60, "high", "news-1")
    assert msg.vapid_claims["sub"] == "mailto:test@example.com"
    assert msg.vapid_claims["aud"] == sb.origin == sb.base_url
    assert msg.endpoint == sub["endpoint"]
    assert sb.all_messages() == [msg]
    location = response.headers["Location"]
    assert location == f"/message/{msg.message_id}"
    assert requests.get(sb.base_url + location, timeout=10).json()["json"] == data
    assert sb.request_count(sub["endpoint"]) == 1
    assert sb.rejections == []


def test_empty_push_without_payload_is_accepted(sb, vapid, sub):
    response = post(sub, b"", authorization=auth_header(vapid, sb), encoding=None)
    assert response.status_code == 201
    assert sb.messages(sub["endpoint"])[0].payload == b""


def test_authorization_without_space_after_comma_or_with_one(sb, vapid, sub):
    token, key = parse_authorization(auth_header(vapid, sb))
    for header in (f"vapid t={token},k={key}", f"vapid t={token}, k={key}"):
        assert post(sub, encrypt(sub, "{}"), authorization=header).status_code == 201
    assert len(sb.messages(sub["endpoint"])) == 2


def test_concurrent_pushes_are_all_stored(sb, vapid, sub):
    bodies = [encrypt(sub, json.dumps({"n": i})) for i in range(20)]
    header = auth_header(vapid, sb)
    statuses: list[int] = []
    threads = [
        threading.Thread(
            target=lambda b=b: statuses.append(post(sub, b, authorization=header).status_code)
        )
        for b in bodies
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 20
    assert sorted(m.json()["n"] for m in sb.messages(sub["endpoint"])) == list(range(20))


# -- VAPID ---------------------------------------------------------------------------------
def test_wrong_vapid_key_is_403_and_not_stored(sb, vapid, sub):
    other = new_vapid()
    with pytest.raises(Exception) as excinfo:
        webpush(
            subscription_info=sub,
            data="{}",
            vapid_private_key=other,
            vapid_claims={"sub": "mailto:test@example.com"},
            ttl=60,
        )
    assert excinfo.value.response.status_code == 403
    assert sb.messages(sub["endpoint"]) == []
    [(sub_id, status, reason)] = sb.rejections
    assert sub["endpoint"].endswith(sub_id) and status == 403 and "applicationServerKey" in reason


def test_signature_by_another_key_is_403(sb, vapid, sub):
    token, _ = parse_authorization(auth_header(new_vapid(), sb))
    header = f"vapid t={token},k={public_key_b64(vapid)}"
    response = post(sub, encrypt(sub, "{}"), authorization=header)
    assert response.status_code == 403
    assert "signature" in response.text
    assert sb.messages(sub["endpoint"]) == []


@pytest.mark.parametrize(
    "claims, reason",
    [
        ({"aud": "https://push.example.com"}, "aud"),
        ({"aud": "http://127.0.0.1:1"}, "aud"),
        ({"exp": int(time.time()) - 10}, "expired"),
        ({"exp": int(time.time()) + 25 * 3600}, "24 hours"),
        ({"sub": None}, "sub"),
        ({"sub": "test@example.com"}, "sub"),
    ],
)
def test_bad_claims_are_403(sb, vapid, sub, claims, reason):
    response = post(sub, encrypt(sub, "{}"), authorization=auth_header(vapid, sb, **claims))
    assert response.status_code == 403
    assert reason in response.text
    assert sb.messages(sub["endpoint"]) == []
    assert sb.rejections[-1].status == 403


@pytest.mark.parametrize(
    "header",
    [None, "WebPush abc", "vapid t=abc", "vapid k=abc", "vapid t=a.b,k=xyz", "Bearer x"],
)
def test_missing_or_malformed_authorization_is_401(sb, sub, header):
    response = post(sub, encrypt(sub, "{}"), authorization=header)
    assert response.status_code in (401, 403)
    if header is None or "k=" not in header or "t=" not in header:
        assert response.status_code == 401
    assert sb.messages(sub["endpoint"]) == []


def test_parse_authorization_rejects_other_schemes():
    with pytest.raises(VapidError) as excinfo:
        parse_authorization("Bearer t=1,k=2")
    assert excinfo.value.status == 401
    assert parse_authorization("VAPID t=a.b.c ,  k=KEY") == ("a.b.c", "KEY")


# -- RFC 8030 headers and body -------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"ttl": None}, "TTL"),
        ({"ttl": "-1"}, "TTL"),
        ({"ttl": "soon"}, "TTL"),
        ({"extra": {"Urgency": "urgent"}}, "Urgency"),
        ({"extra": {"Topic": "has space"}}, "Topic"),
        ({"extra": {"Topic": "x" * 33}}, "Topic"),
    ],
)
def test_bad_push_headers_are_400(sb, vapid, sub, kwargs, reason):
    response = post(sub, encrypt(sub, "{}"), authorization=auth_header(vapid, sb), **kwargs)
    assert response.status_code == 400
    assert reason in response.text
    assert sb.messages(sub["endpoint"]) == []


def test_oversize_body_is_413(sb, vapid, sub):
    body = encrypt(sub, "x" * 4100)
    assert len(body) > 4096
    response = post(sub, body, authorization=auth_header(vapid, sb))
    assert response.status_code == 413
    assert sb.rejections[-1].status == 413
    # Largest payload that still fits: 86 bytes of header, 1 delimiter, 16 tag.
    body = encrypt(sub, "y" * (4096 - 103))
    assert len(body) == 4096
    assert post(sub, body, authorization=auth_header(vapid, sb)).status_code == 201


def test_wrong_content_encoding_is_415(sb, vapid, sub):
    response = post(
        sub, encrypt(sub, "{}"), authorization=auth_header(vapid, sb), encoding="aesgcm"
    )
    assert response.status_code == 415


def test_undecryptable_body_is_400(sb, vapid, sub):
    other = sb.subscribe(public_key_b64(vapid))
    response = post(sub, encrypt(other, "{}"), authorization=auth_header(vapid, sb))
    assert response.status_code == 400
    assert "decrypt" in response.text
    assert post(sub, b"garbage", authorization=auth_header(vapid, sb)).status_code == 400


def test_unknown_subscription_is_404(sb, vapid, sub):
    gone = dict(sub, endpoint=sb.base_url + "/push/doesnotexist")
    response = post(gone, encrypt(sub, "{}"), authorization=auth_header(vapid, sb))
    assert response.status_code == 404
    assert sb.rejections[-1] == ("doesnotexist", 404, "no such subscription")
    assert sb.request_count("doesnotexist") == 1


def test_topic_replaces_earlier_message_in_inbox(sb, vapid, sub):
    for i, topic in enumerate(["scores", "other", "scores"]):
        data = json.dumps({"title": f"m{i}"})
        assert push(sb, vapid, sub, data, extra={"Topic": topic}).status_code == 201
    log = sb.messages(sub["endpoint"])
    assert [m.json()["title"] for m in log] == ["m0", "m1", "m2"]
    assert [m.replaced for m in log] == [True, False, False]
    sub_id = sub["endpoint"].rsplit("/", 1)[1]
    inbox = requests.get(f"{sb.base_url}/inbox/{sub_id}.json", timeout=10).json()
    assert [m["json"]["title"] for m in inbox["inbox"]] == ["m2", "m1"]
    assert len(inbox["messages"]) == 3
    assert inbox["request_count"] == 3


# -- fault injection -----------------------------------------------------------------------
def test_behaviour_fixed_status_and_retry_after(sb, vapid, sub):
    sb.set_behaviour(sub["endpoint"], status=410)
    assert push(sb, vapid, sub).status_code == 410
    sb.set_behaviour(sub["endpoint"], status=429, retry_after=7)
    response = push(sb, vapid, sub)
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    sb.set_behaviour(sub["endpoint"], status=500)
    assert push(sb, vapid, sub).status_code == 500
    assert sb.messages(sub["endpoint"]) == []
    assert [r.status for r in sb.rejections] == [410, 429, 500]
    sb.reset_behaviour(sub["endpoint"])
    assert push(sb, vapid, sub).status_code == 201
    assert sb.request_count(sub["endpoint"]) == 4


def test_behaviour_delay(sb, vapid, sub):
    sb.set_behaviour(sub["endpoint"], delay_ms=300)
    started = time.monotonic()
    assert push(sb, vapid, sub).status_code == 201
    assert time.monotonic() - started >= 0.3
    sb.reset_behaviour()
    started = time.monotonic()
    assert push(sb, vapid, sub).status_code == 201
    assert time.monotonic() - started < 0.3


def test_delayed_answers_overlap_and_store_the_message_only_when_answering(sb, vapid, sub):
    """The delay is the answer's latency (the checks run meanwhile): nothing is stored
    before its answer goes, and every delayed push is stored once it has been answered."""
    sb.set_behaviour(None, delay_ms=400)
    others = [sb.subscribe(public_key_b64(vapid)) for _ in range(5)]
    answers: list[int] = []
    threads = [threading.Thread(target=lambda s=s: answers.append(push(sb, vapid, s).status_code))
               for s in [sub, *others]]
    for thread in threads:
        thread.start()
    time.sleep(0.15)
    assert all(sb.messages(s["endpoint"]) == [] for s in [sub, *others])  # not answered yet
    for thread in threads:
        thread.join()
    assert answers == [201] * 6
    assert all(len(sb.messages(s["endpoint"])) == 1 for s in [sub, *others])


def test_fail_rate_is_roughly_honoured_and_reproducible(sb, vapid, sub):
    body, header = encrypt(sub, "{}"), auth_header(vapid, sb)

    def run() -> list[int]:
        with requests.Session() as session:
            return [
                post(sub, body, authorization=header, session=session).status_code
                for _ in range(200)
            ]

    sb.set_behaviour(sub["endpoint"], fail_rate=0.3, fail_status=503, seed=42)
    first = run()
    assert set(first) == {201, 503}
    assert 40 <= first.count(503) <= 80
    sb.set_behaviour(sub["endpoint"], fail_rate=0.3, fail_status=503, seed=42)
    assert run() == first
    assert sb.request_count(sub["endpoint"]) == 400
    assert len(sb.messages(sub["endpoint"])) == 2 * first.count(201)


def test_global_behaviour_and_per_subscription_override(sb, vapid, sub):
    other = sb.subscribe(public_key_b64(vapid))
    sb.set_behaviour(status=503, retry_after=2)
    sb.set_behaviour(other["endpoint"].rsplit("/", 1)[1], status=404)
    assert push(sb, vapid, sub).status_code == 503
    assert push(sb, vapid, other).status_code == 404
    sb.reset_behaviour()
    assert push(sb, vapid, sub).status_code == 201
    assert push(sb, vapid, other).status_code == 201


def test_http_control(sb, vapid, sub):
    sub_id = sub["endpoint"].rsplit("/", 1)[1]
    url = f"{sb.base_url}/control"
    r = requests.post(f"{url}/{sub_id}", json={"status": 429, "retry_after": 5}, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == 429
    response = push(sb, vapid, sub)
    assert response.status_code == 429 and response.headers["Retry-After"] == "5"
    requests.post(f"{url}/{sub_id}", json={"reset": True}, timeout=10).raise_for_status()
    assert push(sb, vapid, sub).status_code == 201
    requests.post(url, json={"status": 410}, timeout=10).raise_for_status()
    assert push(sb, vapid, sub).status_code == 410
    state = requests.get(url, timeout=10).json()
    assert state["default"]["status"] == 410 and state["request_counts"][sub_id] == 3
    requests.post(url, json={"reset": True}, timeout=10).raise_for_status()
    assert push(sb, vapid, sub).status_code == 201
    assert requests.post(url, json={"status": "x"}, timeout=10).status_code == 400
    assert requests.post(url, json={"bogus": 1}, timeout=10).status_code == 400
    assert requests.post(url, data="not json", timeout=10).status_code == 400
    assert requests.post(f"{url}/nope", json={"status": 500}, timeout=10).status_code == 404
    assert requests.post(f"{sb.base_url}/reset", timeout=10).status_code == 200
    assert sb.messages(sub["endpoint"]) == [] and sb.request_count(sub_id) == 0


# -- HTTP subscribe, inbox, health ---------------------------------------------------------
def test_http_subscribe_then_push(sb, vapid):
    r = requests.post(
        f"{sb.base_url}/subscriptions",
        json={"applicationServerKey": public_key_b64(vapid)},
        timeout=10,
    )
    assert r.status_code == 201
    sub = r.json()
    assert set(sub) == {"endpoint", "expirationTime", "keys"}
    assert push(sb, vapid, sub, '{"title": "via http"}').status_code == 201
    assert sb.messages(sub["endpoint"])[0].json() == {"title": "via http"}
    bad = requests.post(
        f"{sb.base_url}/subscriptions", json={"applicationServerKey": "AAAA"}, timeout=10
    )
    assert bad.status_code == 400
    listed = requests.get(f"{sb.base_url}/subscriptions", timeout=10).json()
    assert [s["endpoint"] for s in listed] == [sub["endpoint"]]


def test_inbox_html_escapes_and_lists_newest_first(sb, vapid, sub):
    payloads = [
        {"title": "first", "body": "one"},
        {"title": "<script>alert(1)</script>", "body": "a & b", "url": "javascript:alert(2)"},
    ]
    for data in payloads:
        assert push(sb, vapid, sub, json.dumps(data)).status_code == 201
    r = requests.get(f"{sb.base_url}/inbox", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a &amp; b" in html
    assert 'href="javascript:' not in html
    assert 'http-equiv="refresh"' in html
    assert html.index("&lt;script&gt;") < html.index("first")  # newest first
    all_json = requests.get(f"{sb.base_url}/inbox.json", timeout=10).json()
    assert all_json["subscriptions"][0]["inbox"][0]["json"] == payloads[1]


def test_health(sb):
    r = requests.get(f"{sb.base_url}/health", timeout=10)
    assert r.status_code == 200 and r.json()["ok"] is True


# -- persistence ---------------------------------------------------------------------------
def test_persistence_round_trip(tmp_path, vapid):
    path = tmp_path / "sandbox.json"
    base_url = f"http://127.0.0.1:{free_port()}"
    state = SandboxState.load(path, base_url)
    subs = [state.create_subscription(public_key_b64(vapid)) for _ in range(3)]
    state.save()
    assert not state.dirty
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]  # no temp files left

    with PushSandbox(state_file=path) as sb:
        assert sb.base_url == base_url
        assert push(sb, vapid, subs[1], '{"title": "kept"}').status_code == 201
    saved = json.loads(path.read_text())
    assert saved["base_url"] == base_url and len(saved["subscriptions"]) == 3

    with PushSandbox(state_file=path) as sb:
        [msg] = sb.messages(subs[1]["endpoint"])
        assert msg.json() == {"title": "kept"}
        assert msg.vapid_claims["aud"] == base_url
        # The restored private key still decrypts new pushes.
        assert push(sb, vapid, subs[0], '{"title": "again"}').status_code == 201
        inbox = requests.get(f"{sb.base_url}/inbox.json", timeout=10).json()
        assert sum(len(s["inbox"]) for s in inbox["subscriptions"]) == 2

    reloaded = SandboxState.load(path)
    assert len(reloaded) == 3 and len(reloaded.all_messages()) == 2
    with pytest.raises(ValueError):
        SandboxState.load(path, "http://127.0.0.1:1")


def test_state_file_created_for_fresh_sandbox(tmp_path, vapid):
    path = tmp_path / "new" / "state.json"
    with PushSandbox(state_file=path) as sb:
        sub = sb.subscribe(public_key_b64(vapid))
        assert json.loads(path.read_text())["subscriptions"][0]["endpoint"] == sub["endpoint"]
        assert push(sb, vapid, sub).status_code == 201
    assert len(SandboxState.load(path).messages(sub["endpoint"])) == 1


# -- TLS -----------------------------------------------------------------------------------
def test_tls_mode_with_generated_ca(tmp_path, vapid):
    ctx, cafile = self_signed_tls(tmp_path)
    with PushSandbox(ssl_context=ctx) as sb:
        assert sb.base_url.startswith("https://127.0.0.1:")
        sub = sb.subscribe(public_key_b64(vapid))
        with requests.Session() as session:
            session.verify = cafile
            session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides verify
            response = webpush(
                subscription_info=sub,
                data='{"title": "secure"}',
                vapid_private_key=vapid,
                vapid_claims={"sub": "mailto:test@example.com"},
                ttl=30,
                requests_session=session,
            )
        assert response.status_code == 201
        assert sb.messages(sub["endpoint"])[0].vapid_claims["aud"] == sb.base_url
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{sb.base_url}/health", timeout=10)


# -- CLI -----------------------------------------------------------------------------------
def test_cli_serves_until_terminated(tmp_path):
    path = tmp_path / "cli.json"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "wagtail_pushseg.testing", "--port", "0", "--state", str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("Push sandbox listening on http://127.0.0.1:")
        url = line.split()[-1]
        assert requests.get(f"{url}/health", timeout=10).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()
    assert json.loads(path.read_text())["base_url"] == url
