"""Push service sandbox: a loopback RFC 8030 push service for tests, benchmarks and demos.

Plain Python (no Django). Typical use::

    from wagtail_pushseg.testing import PushSandbox

    with PushSandbox() as sb:
        sub = sb.subscribe(vapid_public_key_b64)   # PushSubscription JSON
        ...                                        # send Web Push to sub["endpoint"]
        assert sb.messages(sub["endpoint"])[0].json()["title"] == "Hello"
"""

from .faults import Behaviour, FaultInjector
from .keys import b64url_decode, b64url_encode
from .models import ReceivedMessage, Rejection, Subscription
from .sandbox import PushSandbox, free_port
from .server import MAX_PAYLOAD, build_app
from .state import SandboxState, origin_of
from .tls import make_test_certificates, self_signed_tls
from .vapid_check import VapidError, VapidVerifier


__all__ = [
    "MAX_PAYLOAD",
    "Behaviour",
    "FaultInjector",
    "PushSandbox",
    "ReceivedMessage",
    "Rejection",
    "SandboxState",
    "Subscription",
    "VapidError",
    "VapidVerifier",
    "b64url_decode",
    "b64url_encode",
    "build_app",
    "free_port",
    "make_test_certificates",
    "origin_of",
    "self_signed_tls",
]
