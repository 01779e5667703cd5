import pytest

from wagtail_pushseg.delivery.endpoint_policy import EndpointRejected, check_endpoint


FCM = "https://fcm.googleapis.com/fcm/send/abc123"


@pytest.mark.parametrize(
    "endpoint",
    [
        FCM,
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "https://web.push.apple.com/QOkzcM",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
    ],
)
def test_browser_push_services_are_accepted(endpoint):
    assert check_endpoint(endpoint) == endpoint


@pytest.mark.parametrize(
    "endpoint, message",
    [
        ("http://fcm.googleapis.com/fcm/send/x", "https"),
        ("https://push.example.net/x", "not a known browser push service"),
        ("https://fcm.googleapis.com.evil.test/x", "not a known browser push service"),
        ("https://evilnotify.windows.com/x", "not a known browser push service"),
        ("https://10.0.0.5/push", "private or local"),
        ("https://127.0.0.1/push", "private or local"),
        ("https://[::1]/push", "private or local"),
        ("https://169.254.169.254/latest", "private or local"),
        ("https://8.8.8.8/push", "not a known browser push service"),
        ("https://user:pw@fcm.googleapis.com/fcm/send/x", "user information"),
        ("https://fcm.googleapis.com@evil.test/x", "user information"),
        ("https://fcm.googleapis.com:8443/fcm/send/x", "port 8443"),
        ("https://fcm.googleapis.com/" + "a" * 5000, "characters long"),
        ("", "non-empty"),
        ("https://fcm.googleapis.com/x y", "whitespace"),
        ("https://fcm.googleapis.com/x\ty", "whitespace"),
        ("https://fcm.googleapis.com/x\u2028y", "whitespace"),
        ("https://fcm.googleapis.com/x\u00a0y", "whitespace"),
        ("https://fcm.googleapis.com/x\x00y", "control characters"),
        ("https://fcm.googleapis.com/x\x7fy", "control characters"),
        ("https://fcm.googleapis.com/x\x85y", "control characters"),
        ("http://127.0.0.1:8001/push/abc", "https"),
    ],
)
def test_bad_endpoints_are_refused_with_a_reason(endpoint, message):
    with pytest.raises(EndpointRejected, match=message):
        check_endpoint(endpoint)


def test_listed_development_origin_passes_but_only_that_exact_origin(settings):
    settings.WAGTAIL_PUSHSEG = {"ALLOWED_ENDPOINT_ORIGINS": ["http://127.0.0.1:8001"]}
    assert check_endpoint("http://127.0.0.1:8001/push/abc")
    with pytest.raises(EndpointRejected):
        check_endpoint("http://127.0.0.1:8002/push/abc")
    with pytest.raises(EndpointRejected):
        check_endpoint("http://localhost:8001/push/abc")


def test_extra_push_hosts_extend_the_allow_list(settings):
    settings.WAGTAIL_PUSHSEG = {"EXTRA_PUSH_HOSTS": ["push.example.net"]}
    assert check_endpoint("https://push.example.net/x")
    assert check_endpoint(FCM)
