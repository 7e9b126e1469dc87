"""``Secret``: redacted in every textual form, refused by every serialiser, revealed only on request."""

from __future__ import annotations

import copy
import logging
import pickle
import traceback

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.codec import encode_json
from spine.core.errors import ValidationError, to_record
from spine.secrets.secret import REDACTED, Secret

# Values long and odd enough never to be a substring of the redacted forms by accident.
values = st.text(min_size=4).filter(lambda v: v not in "Secret('***')")


class Holder(msgspec.Struct, frozen=True, kw_only=True):
    user: str
    password: Secret


def _renderings(secret: Secret) -> list[str]:
    return [
        repr(secret),
        str(secret),
        format(secret),
        format(secret, ">20"),
        format(secret, "d"),
        f"{secret}",
        f"{secret!r}",
        f"{secret!s}",
        f"{secret:^9}",
        "%s" % secret,  # noqa: UP031 - %-formatting is what logging does
        "%r" % secret,  # noqa: UP031
        "{} {!r}".format(secret, secret),  # noqa: UP032
        repr([secret, {"k": secret}, (secret,)]),
        repr(Holder(user="u", password=secret)),
        str(ValidationError("bad", field="password", value=secret)),
        repr(ValidationError("bad", field="password", value=secret)),
        encode_json(to_record(ValidationError("bad", field="password", value=secret))).decode(),
    ]


@given(values)
def test_no_textual_form_shows_the_value(value: str) -> None:
    secret = Secret(value)
    # A value that is part of every rendering anyway (e.g. "null", "Secret") proves nothing.
    baseline = _renderings(Secret("\x00"))
    for text, empty in zip(_renderings(secret), baseline, strict=True):
        assert value not in text or value in empty, text
        assert text == empty, "the rendering depends on the secret's value"
    assert repr(secret) == "Secret('***')"
    assert str(secret) == REDACTED
    assert secret.reveal() == value


@given(values)
def test_msgspec_refuses_to_encode_a_secret_without_showing_it(value: str) -> None:
    secret = Secret(value)
    with pytest.raises(NotImplementedError) as spine_refusal:
        encode_json({"password": secret})
    with pytest.raises(TypeError) as plain_refusal:
        msgspec.json.encode(Holder(user="u", password=secret))
    with pytest.raises(TypeError) as msgpack_refusal:
        msgspec.msgpack.encode([secret])
    for refusal in (spine_refusal, plain_refusal, msgpack_refusal):
        assert value not in str(refusal.value)
        assert "Secret" in str(refusal.value)


@given(values)
def test_pickle_is_refused(value: str) -> None:
    secret = Secret(value)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled") as refused:
            pickle.dumps({"password": secret}, protocol=protocol)
        assert value not in str(refused.value)


def test_log_lines_show_the_redacted_form(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret("s3cr3t-value")
    logger = logging.getLogger("tests.secrets")
    with caplog.at_level(logging.DEBUG, logger="tests.secrets"):
        logger.debug("password=%s repr=%r", secret, secret)
        logger.info("mapping %(pw)s", {"pw": secret})
        logger.warning(f"f-string {secret} {secret!r}")
        try:
            msg = f"failed with {secret}"
            raise RuntimeError(msg)
        except RuntimeError:
            logger.exception("it broke")
    assert "s3cr3t-value" not in caplog.text
    assert caplog.text.count(REDACTED) >= 5
    assert [r.getMessage() for r in caplog.records][:2] == [
        "password=*** repr=Secret('***')",
        "mapping ***",
    ]


def _planted() -> Secret:
    return Secret("-".join(["s3cr3t", "value"]))


def test_tracebacks_with_locals_show_the_redacted_form() -> None:
    def use(secret: Secret) -> None:
        msg = f"login failed: {secret!r}"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError) as raised:
        use(_planted())  # not a literal: the traceback shows source lines
    shown = "".join(traceback.TracebackException.from_exception(raised.value, capture_locals=True).format())
    assert "s3cr3t-value" not in shown
    assert "secret = Secret('***')" in shown


@given(values, values)
def test_equality_is_by_value(a: str, b: str) -> None:
    assert (Secret(a) == Secret(b)) == (a == b)
    assert Secret(a) == Secret(a)
    assert Secret(a) != a
    assert hash(Secret(a)) == hash(Secret(b))


def test_secrets_work_as_dict_keys_and_in_sets() -> None:
    assert len({Secret("a"), Secret("a"), Secret("b")}) == 2


def test_copies_are_the_same_immutable_object() -> None:
    secret = Secret("v")
    assert copy.copy(secret) is secret
    config = {"db": {"password": secret}}
    assert copy.deepcopy(config)["db"]["password"] is secret
    with pytest.raises(AttributeError):
        secret._value = "changed"
    with pytest.raises(AttributeError):
        del secret._value
    assert secret.reveal() == "v"
    assert not hasattr(secret, "__dict__")


def test_only_text_can_be_a_secret() -> None:
    with pytest.raises(TypeError, match="a Secret holds text, got bytes"):
        Secret(b"raw")  # type: ignore[arg-type]  # the point: untyped callers
