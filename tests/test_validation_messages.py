"""A validator's own refusal (``errors.InvalidValue``) keeps its message id through pydantic's
``value_error`` and through code that catches ``ValueError``, so it is shown in the reader's
language with its values; a plain ``ValueError`` whose text is a catalogue entry (the json
module's reasons) is translated too, and any other keeps its English."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import AfterValidator, BaseModel, ValidationError

from epibridge.errors import FieldError, InvalidValue, reason_of
from epibridge.i18n import N_
from epibridge.notifications.diseases import validate_disease_code
from epibridge.validation_messages import field_error


class _Body(BaseModel):
    disease: Annotated[str, AfterValidator(validate_disease_code)]


def _refusal(value: str) -> FieldError:
    with pytest.raises(ValidationError) as caught:
        _Body(disease=value)
    (error,) = caught.value.errors()
    assert error["type"] == "value_error"
    return field_error(error)


def test_a_validators_message_id_survives_pydantic() -> None:
    refused = _refusal("Z99")
    assert refused.field == "disease"
    assert refused.message.startswith("'Z99' is not an infectious-disease code")
    assert refused.message_in("ru").startswith("'Z99' — не код инфекционного заболевания")
    assert refused.message_in("zh").startswith("'Z99' 不是传染病代码")


def test_a_caught_invalid_value_keeps_its_message_id() -> None:
    with pytest.raises(ValueError) as caught:
        validate_disease_code("XYZ")
    reason = reason_of(caught.value)
    assert reason == str(caught.value)  # the English, as before
    assert FieldError("disease", reason).message_in("ru").startswith("'XYZ' — не код МКБ-10")
    # an ordinary ValueError gives its text
    assert reason_of(ValueError("plain")) == "plain"


@pytest.mark.parametrize(
    ("raised", "ru"),
    [
        (ValueError("Expecting value"), "ожидается значение"),
        (InvalidValue(N_("nested too deeply")), "слишком глубокая вложенность"),
        (ValueError("a sentence no catalogue has"), "a sentence no catalogue has"),
    ],
)
def test_value_error_reasons_in_russian(raised: ValueError, ru: str) -> None:
    def refuse(value: str) -> str:
        raise raised

    class Model(BaseModel):
        x: Annotated[str, AfterValidator(refuse)]

    with pytest.raises(ValidationError) as caught:
        Model(x="x")
    assert field_error(caught.value.errors()[0]).message_in("ru") == ru
