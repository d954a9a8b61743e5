"""Reusable config field checks (``idpbridge.fields``)."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from idpbridge.kit import Words, each_matching, matching, split_words


class Model(BaseModel):
    names: Words = ()
    code: Annotated[str, matching(r"[a-z]{2}", "two lower-case letters")] = "ab"
    codes: Annotated[Words, each_matching(r"[a-z]{2}", "each two lower-case letters")] = ()


@pytest.mark.parametrize(
    ("given", "expected"),
    [("a, b c", ("a", "b", "c")), ("a,b", ("a", "b")), (["a b"], ("a b",)), ("", ()), (("x",), ("x",))],
)
def test_words_take_a_list_or_one_comma_or_space_separated_string(
    given: object, expected: tuple[str, ...]
) -> None:
    assert Model(names=given).names == expected


def test_split_words_leaves_anything_but_a_string_alone() -> None:
    value = ["a,b"]
    assert split_words(value) is value
    assert split_words(" a ,, b ") == ["a", "b"]


def test_matching_refuses_with_the_given_message() -> None:
    with pytest.raises(ValidationError, match="two lower-case letters"):
        Model(code="abc")


def test_each_matching_checks_every_item_and_refuses_once_for_the_field() -> None:
    assert Model(codes="ab, cd").codes == ("ab", "cd")
    with pytest.raises(ValidationError, match="each two lower-case letters") as info:
        Model(codes=["ab", "c", "DE"])
    assert [e["loc"] for e in info.value.errors()] == [("codes",)]
