"""Demo data for the example site, one module per step of ``manage.py load_demo_data``.

Each step is a plain function the command calls in order (pages, users, subscribers); a later
step, such as subscriber behaviour histories, is one more module and one more call. Every step
takes its own ``random.Random`` derived from the seed, so adding a step does not change what the
others generate.
"""

import random


def step_rng(seed: int, step: str) -> random.Random:
    """An independent, reproducible random stream for one step."""
    return random.Random(f"pushseg-demo:{seed}:{step}")
