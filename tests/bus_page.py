"""A short news page with a share bar and a copyright line: the tests' smallest whole dump."""

PAGE = "\n\n".join([
    "Share this article",
    "The city council voted on Tuesday to expand the bus network into the northern districts, a plan "
    "that has been debated for more than three years by residents and planners.",
    "Under the plan, the council will add four new bus routes and extend two existing ones, and the "
    "buses on the busiest routes will run every ten minutes during the day.",
    "Residents of the northern districts have long said that the buses in their area are too few and "
    "too slow, and that the council has neglected them for years.",
    "Copyright 2019 Example Media. All rights reserved.",
])


def assert_cuts_in_place(output: str) -> None:
    """`output` (a --removed print of PAGE) shows the share bar before the article and the
    copyright line after it, each with its reason."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    share = next(i for i, line in enumerate(lines) if "share or follow buttons: Share this article" in line)
    council = next(i for i, line in enumerate(lines) if line.startswith("The city council voted"))
    copyright_note = next(i for i, line in enumerate(lines) if "copyright notice: Copyright 2019" in line)
    assert share < council < copyright_note
