"""Step 5 (``--simulated-subscribers N``): ninety days of shop history for the insights pages.

The plugin's simulation (``wagtail_pushseg.insights.simulation``) told as the shop's story:
readers of the shop's own tags, a daily push to the shop's own segments (the starters, no
"(simulated)" copies) with product titles, and the planted changes on them: the bargain hunters'
clicks fade from day 45 (the drift alert), camera fans are the steady control, and from day 60
a new group reads phones and wearables together (a suggestion). The simulated readers are real
sandbox devices, like the personas, so a live campaign to any segment reaches every member.
"""

from pathlib import Path

from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.insights.simulation import (
    Group,
    SimSegment,
    Simulation,
    SimulationResult,
    Story,
    SubscriptionFactory,
    fading,
)

from . import content as c
from .subscribers import open_sandbox


def _titles(category: str, *openers: str) -> tuple[str, ...]:
    names = [name for name, _ in c.PRODUCTS[category]["items"]]
    return tuple(f"{opener} {name}" for opener in openers for name in names)


SHOP_STORY = Story(
    groups=(
        Group("camera fans", 0.28, ("cameras",), 0.6, 0.92),
        Group("bargain hunters", 0.26, ("sale",), 0.55, 0.92),
        Group("gamers", 0.22, ("gaming",), 0.5, 0.92),
        Group("casual", 0.24, (), 0.15, 0.0),
    ),
    new_group=Group("phone and watch", 0.15, ("phones", "wearables"), 0.7, 0.9),
    tags=(*c.CATEGORIES, "sale"),
    segments=(
        SimSegment("fans-of-cameras", "Fans of cameras", "cameras", lambda day: 0.20,
                   titles=_titles("cameras", "New in:", "Tested:", "Back in stock:"),
                   url="/"),
        SimSegment("bargain-hunters", "Bargain hunters", "sale", fading,
                   titles=_titles("laptops", "Today only: 20% off the", "Clearance:")
                   + _titles("audio", "Flash sale:", "Price drop:"),
                   url="/"),
        SimSegment("fans-of-gaming", "Fans of gaming", "gaming", lambda day: 0.15,
                   titles=_titles("gaming", "Just landed:", "Weekend pick:"), url="/"),
    ),
    own_segments=False,
)


def population(story: Story, subscribers: int) -> int:
    """How many subscribers a run of ``story`` makes (as ``Simulation.populate`` counts)."""
    return sum(round(g.share * subscribers) for g in (*story.groups, story.new_group))


def sandbox_devices(sandbox_path: Path, sandbox_url: str, skip: int,
                    count: int) -> SubscriptionFactory:
    """The sandbox's subscriptions after the first ``skip`` (those are the personas'), ``count``
    of them, made now if missing and saved before any row points at them."""
    public_key = pushseg_settings.VAPID_PUBLIC_KEY
    state, _ = open_sandbox(sandbox_path, sandbox_url, public_key)
    devices = [s.push_subscription() for s in state.subscriptions()[skip:skip + count]]
    devices += [state.create_subscription(public_key) for _ in range(count - len(devices))]
    state.save()
    return devices.__getitem__


def simulate_history(seed: int, subscribers: int, *, sandbox_path: Path, sandbox_url: str,
                     personas: int, progress=None) -> SimulationResult:
    """Run the shop's simulation with ``subscribers`` sandbox devices besides the ``personas``
    (the starter segments must exist: the simulation pushes to them)."""
    devices = sandbox_devices(sandbox_path, sandbox_url, skip=personas,
                              count=population(SHOP_STORY, subscribers))
    simulation = Simulation(seed, days=90, subscribers=subscribers, story=SHOP_STORY,
                            subscription=devices)
    return simulation.run(progress)
