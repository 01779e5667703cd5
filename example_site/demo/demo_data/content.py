"""Word lists and sentence templates the demo pages are generated from (no external data)."""

# Product categories: the tags that segments such as "camera fans" are built on.
CATEGORIES = ("laptops", "phones", "audio", "cameras", "gaming", "smart-home", "wearables")
TOPICS = ("reviews", "how-to", "news")
SALE_TAGS = ("sale", "clearance", "discount")

# Invented products per category (name, usual price in pounds), with a plural noun.
PRODUCTS = {
    "laptops": {
        "noun": "laptops",
        "items": [
            ("Aero 14 Ultrabook", 999),
            ("Forge 16 Creator", 1799),
            ("Nimbus 13 Chromebook", 349),
            ("Vector 15 Gaming Laptop", 1299),
            ("Slate 12 Convertible", 699),
        ],
    },
    "phones": {
        "noun": "phones",
        "items": [
            ("Orbit S9", 899),
            ("Lumen Mini", 399),
            ("Pixelar 8 Pro", 999),
            ("Kestrel Fold", 1499),
            ("Tern 5G Lite", 199),
        ],
    },
    "audio": {
        "noun": "headphones and speakers",
        "items": [
            ("Hush 700 Headphones", 329),
            ("Pebble Buds", 79),
            ("Boom Cube Speaker", 119),
            ("Studio Arc Soundbar", 449),
            ("Echo Loop Earbuds", 149),
        ],
    },
    "cameras": {
        "noun": "cameras",
        "items": [
            ("Aperture Z50", 849),
            ("Frame X100 Compact", 1299),
            ("Action Cam 4K", 249),
            ("Mirrorless M6 Kit", 699),
            ("Instant Snap 11", 79),
        ],
    },
    "gaming": {
        "noun": "games and consoles",
        "items": [
            ("Quasar Console", 479),
            ("Pro Pad Controller", 59),
            ("Raptor Headset", 99),
            ("Nebula Handheld", 399),
            ("Arcade Stick Classic", 129),
        ],
    },
    "smart-home": {
        "noun": "smart home gadgets",
        "items": [
            ("Hearth Smart Thermostat", 199),
            ("Glow Bulb Starter Kit", 89),
            ("Doorbell Cam 2", 149),
            ("Hearth Hub Mini", 49),
            ("Plug Duo", 25),
        ],
    },
    "wearables": {
        "noun": "wearables",
        "items": [
            ("Pulse Watch 3", 349),
            ("Stride Fitness Band", 49),
            ("Orbit Watch Ultra", 799),
            ("Ring Tracker", 299),
            ("Trail GPS Watch", 449),
        ],
    },
}

# Categories often read together; a few pages carry both tags (a "two-tag" audience).
RELATED = {
    "gaming": "audio",
    "wearables": "phones",
    "cameras": "laptops",
    "smart-home": "audio",
    "phones": "audio",
}

TITLES = {
    "reviews": [
        "{product} review: {verdict}",
        "Tested: the {product} after a month",
        "{product} long-term review",
    ],
    "how-to": [
        "How to choose {noun}: a buyer's guide",
        "How to set up your {product} in ten minutes",
        "Getting more from {noun}: a beginner's guide",
    ],
    "news": [
        "{product} announced: what we know",
        "Price drop rumours for {noun} this season",
        "{product} gets a major software update",
    ],
}

VERDICTS = [
    "small price, big ambitions",
    "the one to beat",
    "nearly perfect",
    "good, not great",
    "worth the upgrade",
]

INTROS = {
    "reviews": "We spent weeks with the {product} to see whether it lives up to the hype.",
    "how-to": "A practical guide to {noun}, from first unboxing to everyday tips.",
    "news": "The latest on {noun}: announcements, rumours and what they mean for you.",
}

PARAGRAPHS = [
    "The {product} arrives in a compact box with everything you need to get started.",
    "Battery life is better than we expected: a full day of mixed use left plenty in reserve.",
    "Build quality feels solid, and the finish shrugs off fingerprints.",
    "Setup took a few minutes, most of it spent waiting for the first software update.",
    "For most people, mid-range {noun} now do everything the flagships did two years ago.",
    "If you are upgrading from an older model, the difference in speed is obvious.",
    "Our advice: decide on a budget first, then pick the features that matter to you.",
    "Prices for {noun} tend to drop around the big sales weekends, so it pays to wait.",
    "Accessories are widely available and reasonably priced.",
    "Reviewers agree that software support is the deciding factor over the long run.",
]

# Deal articles, each carrying a sale tag and a category; they show up for bargain hunters.
DEAL_ARTICLES = [
    ("Deals of the week: the best discounts on {noun}", "sale"),
    ("Clearance: last chance on {noun}", "clearance"),
    ("Member discount week: {noun} at their lowest prices", "discount"),
]

DEAL_INTRO = "Our pick of the best prices on {noun} right now."

OFFER_INTROS = [
    "Our pick of {noun} this month.",
    "Free next-day delivery on the {product}.",
    "The {product}, with a two-year warranty.",
    "Bestseller: the {product} is back in stock.",
]

SALE_INTROS = {
    "sale": "On sale now: save {saving}% on the {product}.",
    "clearance": "Clearance: the {product} while stocks last, {saving}% off.",
    "discount": "Subscriber discount: {saving}% off the {product} this week.",
}

OFFER_PARAGRAPHS = [
    "Order before 8pm for delivery tomorrow.",
    "Includes a 30-day no-quibble return policy.",
    "Comes with everything you need in the box.",
    "Rated 4.6 out of 5 by our customers.",
    "Trade in your old device and save even more.",
]
