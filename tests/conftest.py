"""Shared test settings: hypothesis profiles (no deadline: literal sums are slow on purpose)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, max_examples=25, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=300)
settings.load_profile(os.environ.get("GROUPCONV_HYPOTHESIS_PROFILE", "default"))
