"""What a tracked payload costs the sender per message.

The engine builds each (target, variant) payload once per chunk around a placeholder and
splices each delivery's signed token in as bytes. Compared here with building and encoding
the JSON per message (what splicing avoids), and with the untracked payload (no token at all).
Prints microseconds per message and the ratios.
"""

import json
import time

from .django_env import setup_django


def per_message(func, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        func(i)
    return (time.perf_counter() - start) / n * 1e6


def run(n: int = 20000) -> dict:
    setup_django()
    from wagtail_pushseg.campaigns.payloads import payload_for, payload_template
    from wagtail_pushseg.campaigns.tokens import TokenMaker, splice
    from wagtail_pushseg.delivery.payload import encode_payload
    from wagtail_pushseg.models import Campaign

    campaign = Campaign(pk=4242, title="Winter sale: 30% off every coat", body="Only today " * 8,
                        url="/shop/coats/", action1_title="Shop now", action1_url="/shop/")
    tokens = TokenMaker()
    template = payload_template(campaign)
    untracked = encode_payload(payload_for(campaign))

    def spliced(i):
        return splice(template, tokens.token(4242, 10_000_000 + i))

    def per_message_json(i):
        return encode_payload(payload_for(campaign, token=tokens.token(4242, 10_000_000 + i)))

    def token_only(i):
        return tokens.token(4242, 10_000_000 + i)

    def untracked_bytes(i):
        return untracked

    for f in (spliced, per_message_json):  # warm up
        per_message(f, 500)
    results = {
        "spliced_us": per_message(spliced, n),
        "json_per_message_us": per_message(per_message_json, n // 4),
        "token_only_us": per_message(token_only, n),
        "untracked_us": per_message(untracked_bytes, n),
        "payload_bytes": len(spliced(0)),
        "untracked_bytes": len(untracked),
    }
    results["json_over_spliced"] = results["json_per_message_us"] / results["spliced_us"]
    return results


if __name__ == "__main__":
    r = run()
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()}))
    print(f"tracked payload per message: {r['spliced_us']:.1f} µs spliced (token "
          f"{r['token_only_us']:.1f} µs) vs {r['json_per_message_us']:.1f} µs built as JSON per "
          f"message ({r['json_over_spliced']:.1f}×); +{r['payload_bytes'] - r['untracked_bytes']}"
          " bytes of links per payload")
