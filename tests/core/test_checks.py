from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wagtail_pushseg.checks import check_vapid
from wagtail_pushseg.delivery.vapid import generate_keys


def ids(settings, **pushseg):
    settings.WAGTAIL_PUSHSEG = pushseg
    return [error.id for error in check_vapid()]


def test_good_configuration_passes(settings):
    private, public = generate_keys()
    assert (
        ids(
            settings,
            VAPID_PRIVATE_KEY=private,
            VAPID_PUBLIC_KEY=public,
            VAPID_SUBJECT="mailto:a@example.com",
        )
        == []
    )


def test_missing_keys_name_the_command(settings):
    settings.WAGTAIL_PUSHSEG = {"VAPID_SUBJECT": "https://example.com/contact"}
    [error] = check_vapid()
    assert error.id == "wagtail_pushseg.E001"
    assert "pushseg_vapid_keys" in error.hint


def test_mismatched_keys(settings):
    private, _ = generate_keys()
    _, other_public = generate_keys()
    assert ids(
        settings,
        VAPID_PRIVATE_KEY=private,
        VAPID_PUBLIC_KEY=other_public,
        VAPID_SUBJECT="mailto:a@example.com",
    ) == ["wagtail_pushseg.E003"]


def test_unusable_private_key(settings):
    _, public = generate_keys()
    assert ids(
        settings,
        VAPID_PRIVATE_KEY="c2hvcnQ",
        VAPID_PUBLIC_KEY=public,
        VAPID_SUBJECT="mailto:a@example.com",
    ) == ["wagtail_pushseg.E002"]


@pytest.mark.parametrize("subject", ["", "a@example.com", "http://example.com", "mailto:"])
def test_bad_subject(settings, subject):
    private, public = generate_keys()
    assert ids(
        settings, VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public, VAPID_SUBJECT=subject
    ) == ["wagtail_pushseg.E004"]


def test_vapid_keys_command_prints_a_matching_pair(settings):
    settings.WAGTAIL_PUSHSEG = {}
    out = StringIO()
    call_command("pushseg_vapid_keys", stdout=out)
    lines = dict(
        line.strip().rstrip(",").split(": ")
        for line in out.getvalue().splitlines()
        if line.startswith('"')
    )
    private, public = (
        lines['"VAPID_PRIVATE_KEY"'].strip('"'),
        lines['"VAPID_PUBLIC_KEY"'].strip('"'),
    )
    assert (
        ids(
            settings,
            VAPID_PRIVATE_KEY=private,
            VAPID_PUBLIC_KEY=public,
            VAPID_SUBJECT="mailto:a@example.com",
        )
        == []
    )


def test_vapid_keys_command_never_replaces_configured_keys_without_force(settings):
    with pytest.raises(CommandError, match="--force"):
        call_command("pushseg_vapid_keys", stdout=StringIO())
    out = StringIO()
    call_command("pushseg_vapid_keys", force=True, stdout=out)
    assert "VAPID_PRIVATE_KEY" in out.getvalue()
