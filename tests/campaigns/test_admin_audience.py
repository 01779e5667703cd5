"""The composer's audience preview (JSON, set-wise) and segment suggestions."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.segments.conftest import block, group, make_member, make_segment, make_subscriber
from wagtail_pushseg.campaigns.suggestions import suggest_segments


pytestmark = pytest.mark.django_db

PREVIEW = "wagtail_pushseg_campaigns:audience_preview"


@pytest.fixture
def overlapping():
    """A and B overlap in s2 and s3; C (to exclude) holds s3; s5 in A has unsubscribed."""
    s1, s2, s3, s4 = (make_subscriber() for _ in range(4))
    s5 = make_subscriber(status="unsubscribed")
    a = make_segment([block("language", languages=["de"])], name="A")
    b = make_segment([block("language", languages=["fr"])], name="B")
    c = make_segment([block("language", languages=["it"])], name="C")
    for subscriber, degree in ((s1, 0.9), (s2, 0.6), (s3, 0.7), (s5, 1.0)):
        make_member(a, subscriber, degree)
    for subscriber, degree in ((s2, 0.8), (s3, 0.5), (s4, 0.9)):
        make_member(b, subscriber, degree)
    make_member(c, s3, 1.0)
    return a, b, c


def preview(client, targets, exclude=(), **params):
    response = client.get(reverse(PREVIEW),
                          {"segment": [t.pk for t in targets],
                           "exclude": [e.pk for e in exclude], **params})
    assert response.status_code == 200, response.content
    data = response.json()
    return [t["reach"] for t in data["targets"]], data["total"], data["overlap"]


def test_preview_counts_overlapping_segments_after_focus_and_exclusions(
    client, editor, overlapping
):
    a, b, c = overlapping
    client.force_login(editor)
    # Candidates A = {s1, s2, s3}, B = {s2, s3, s4}: s2 and s3 in both.
    assert preview(client, [a, b]) == ([3, 1], 4, [[3, 2], [2, 3]])
    # Without s3 (excluded with C): s2 goes to A by priority…
    assert preview(client, [a, b], exclude=[c]) == ([2, 1], 3, [[2, 1], [1, 2]])
    # …or to B, where its degree (0.8) beats A's (0.6).
    assert preview(client, [a, b], exclude=[c], focus="strongest") == (
        [1, 2], 3, [[2, 1], [1, 2]])
    # The order of the targets is the priority.
    assert preview(client, [b, a], exclude=[c]) == ([2, 1], 3, [[2, 1], [1, 2]])
    # A minimum degree of 0.7 leaves A = {s1, s3}, B = {s2, s4}.
    assert preview(client, [a, b], min_degree="0.7") == ([2, 2], 4, [[2, 0], [0, 2]])


def test_preview_of_nothing_and_of_bad_input(client, editor, overlapping):
    client.force_login(editor)
    assert client.get(reverse(PREVIEW)).json() == {"targets": [], "total": 0, "overlap": []}
    response = client.get(reverse(PREVIEW), {"segment": ["x", "999999"]})
    assert response.json()["total"] == 0
    assert client.get(reverse(PREVIEW), {"segment": [overlapping[0].pk],
                                         "min_degree": "2"}).status_code == 400


def test_preview_refuses_users_who_may_not_compose(client, django_user_model, overlapping):
    url = reverse(PREVIEW) + f"?segment={overlapping[0].pk}"
    assert client.get(url).status_code == 302  # not logged in: the admin's login
    user = django_user_model.objects.create_user("reader", "r@example.com", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 403
    assert "targets" not in response.json()


@pytest.fixture
def tag_segments():
    def interest(*tags, match="any"):
        return block("tag_interest", tags=list(tags), match=match, starts_at=1, full_at=3)

    both = make_segment([interest("audio", "sale", match="all")], name="Audio bargains",
                        member_count=5)
    audio = make_segment([interest("audio")], name="Audio fans", member_count=100)
    bargains = make_segment([group("any", interest("sale", "clearance"),
                                   block("sale_share", starts_at=30, full_at=60))],
                            name="Bargain hunters", member_count=40)
    not_sale = make_segment([interest("laptops"), group("none", interest("sale"))],
                            name="Never on sale", member_count=500)
    make_segment([interest("audio")], name="Old audio", member_count=900, active=False)
    make_segment([block("language", languages=["de"])], name="German", member_count=900)
    return both, audio, bargains, not_sale


def test_suggestions_rank_segments_whose_tag_rules_match_the_page(pages, tag_segments):
    both, audio, bargains, _ = tag_segments
    suggestions = suggest_segments(pages["offer"])  # tagged audio, sale
    assert [s.segment for s in suggestions] == [both, audio, bargains]
    assert suggestions[0].matched_tags == ("audio", "sale")
    assert suggestions[0].strength == 1.0
    assert suggestions[1].strength == 0.5
    assert suggest_segments(pages["home"]) == []


def test_the_composer_for_a_page_offers_its_segments(client, editor, pages, tag_segments):
    _both, _audio, _bargains, _not_sale = tag_segments
    client.force_login(editor)
    html = client.get(reverse("wagtail_pushseg_campaigns:add"),
                      {"page": pages["offer"].pk}).content.decode()
    assert html.index("Add Audio bargains") < html.index("Add Audio fans") < html.index(
        "Add Bargain hunters")
    assert "Never on sale" not in html.split('id="pushseg-suggestions-heading"')[1].split(
        "</section>")[0]
    assert 'data-controller="pushseg-audience"' in html
    assert "wagtail_pushseg/admin/campaigns.js" in html

    response = client.get(reverse("wagtail_pushseg_campaigns:suggestions"),
                          {"page": pages["article"].pk})  # laptops, reviews
    assert "Add Never on sale" in response.content.decode()  # its laptops interest
    assert "Audio" not in response.content.decode()
    response = client.get(reverse("wagtail_pushseg_campaigns:suggestions"),
                          {"page": pages["home"].pk})
    assert "No segment’s interests match this page’s tags." in response.content.decode()


def test_the_preview_of_a_saved_campaign_is_what_planning_writes(overlapping):
    from django.db.models import Count

    from wagtail_pushseg.campaigns.audience import preview as audience_preview
    from wagtail_pushseg.campaigns.planning import Audience, plan_deliveries
    from wagtail_pushseg.models import Campaign, Delivery

    from .conftest import target

    a, b, c = overlapping
    campaign = Campaign.objects.create(title="Deal", url="/", focus="strongest")
    targets = [target(campaign, a, 0), target(campaign, b, 1)]
    campaign.excluded_segments.add(c)
    shown = audience_preview(Audience.of(campaign))
    plan_deliveries(campaign)
    planned = dict(Delivery.objects.filter(campaign=campaign).values_list("target")
                   .annotate(n=Count("pk")))
    assert {t.key: t.reach for t in shown.targets} == planned == {
        targets[0].pk: 1, targets[1].pk: 2}
    assert shown.total == Delivery.objects.filter(campaign=campaign).count() == 3
