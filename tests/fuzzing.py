"""Hypothesis settings shared by the property-based and fuzz tests (imported by each of them).

`make test` runs the "ci" profile: a bounded number of examples, derandomized (the examples
come from a fixed seed), so a run in CI is short and finds the same thing each time. A longer,
random search: ``HYPOTHESIS_PROFILE=long`` (``FUZZ_EXAMPLES`` sets its size), e.g.
``HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -q tests/gateways/test_fuzz.py``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]

settings.register_profile(
    "ci",
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_OK,
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "500")),
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_OK,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(ci: int) -> int:
    """``ci`` examples in the "ci" profile (a test that costs a round trip per example asks
    fewer), the profile's own number otherwise."""
    return ci if PROFILE == "ci" else settings().max_examples


#: What people really send, and what breaks parsers: any text (control characters, lone
#: surrogates, right-to-left marks), emoji, and messages far beyond both channels' limits.
EMOJI = st.sampled_from(["😀", "🇵🇦", "👩🏽‍⚕️", "❤️", "🆘", "🙏🏿", "\u200d", "\ufe0f"])
CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from(
    ["\x7f", "\u202e", "\u2028", "\ufeff", "\ud800"]
)
MESSAGE_TEXT = st.one_of(
    st.text(min_size=1, max_size=300),
    st.lists(EMOJI | CONTROL | st.characters(), min_size=1, max_size=60).map("".join),
    st.integers(min_value=5_000, max_value=20_000).map(lambda n: ("ayuda salud 🆘 " * n)[:n]),
)
#: JSON values of any shape (for bodies that are JSON but not what the endpoint expects)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
#: the same for a form field: a browser sends UTF-8, so a lone surrogate arrives replaced
FORM_TEXT = MESSAGE_TEXT.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))
