"""``url_inputs``: derived-endpoint inputs from optional URL fields."""

from __future__ import annotations

import pytest

from idpbridge.kit import DerivedEndpoints, url_inputs


def test_values_are_canonical_base_urls_joined_to_the_other_inputs() -> None:
    inputs = url_inputs({"back": "internal"}, also=lambda data: {"realm": data["realm"]})
    assert inputs({"internal": "https://kc.internal:8443/auth/", "realm": "r"}) == {
        "realm": "r",
        "back": "https://kc.internal:8443/auth",
    }
    assert inputs({"internal": "kc.example.com", "realm": "r"}) == {
        "realm": "r",
        "back": "https://kc.example.com",
    }


@pytest.mark.parametrize("data", [{}, {"internal": None}, {"internal": 3}])
def test_nothing_while_a_field_is_unset(data: dict[str, object]) -> None:
    assert url_inputs({"back": "internal"})(data) is None


def test_nothing_when_the_other_inputs_give_nothing() -> None:
    assert (
        url_inputs({"back": "internal"}, also=lambda _: None)({"internal": "https://a.example.com"}) is None
    )


def test_an_invalid_url_leaves_the_config_data_to_its_validator() -> None:
    inputs = url_inputs({"back": "internal"})
    with pytest.raises(ValueError, match="internal must not carry a query"):
        inputs({"internal": "https://a.example.com/?x=1"})
    derived = DerivedEndpoints({"token_endpoint": "{back}/token"}, inputs=inputs)
    assert derived.apply({"internal": "http://a.example.com"}) == {"internal": "http://a.example.com"}
    assert derived.apply({"internal": "https://a.example.com"})["endpoints"] == {
        "token_endpoint": "https://a.example.com/token"
    }
