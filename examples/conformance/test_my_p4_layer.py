"""The whole conformance test of my_p4_layer, through groupconv's pytest plugin."""

import pytest
from my_p4_layer import factory

from groupconv.testing import assert_layer_matches


@pytest.mark.groupconv_cases(groups=["p4"], kinds=["lifting", "correlation"])
def test_my_p4_layer(groupconv_case):
    assert_layer_matches(factory(groupconv_case), groupconv_case)
