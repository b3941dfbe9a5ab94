import pytest

from normalize.phone import clean_phone, phone_kind


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # mobiles
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("0086 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("013812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("(+86)139-8765-4321", "13987654321"),
        ("13812345678（本人）", "13812345678"),
        ("电话：13812345678", "13812345678"),
        ("13812345678/13987654321", "13812345678"),
        ("无，13987654321", "13987654321"),
        (13812345678, "13812345678"),
        ("19912345678", "19912345678"),
        ("16612345678", "16612345678"),
        # landlines
        ("023-68881234", "023-68881234"),
        ("(023)68881234", "023-68881234"),
        ("（023）6888 1234", "023-68881234"),
        ("02368881234", "023-68881234"),
        ("023 6888 1234", "023-68881234"),
        ("+86-23-6888-1234", "023-68881234"),
        ("0086 23 68881234", "023-68881234"),
        ("2368881234", "023-68881234"),
        ("68881234", "023-68881234"),
        ("6888-1234", "023-68881234"),
        ("023－６８８８１２３４", "023-68881234"),
        ("010-65123456", "010-65123456"),
        ("021 6888 1234", "021-68881234"),
        ("0571-88886666", "0571-88886666"),
        ("0755-88888888", "0755-88888888"),
        ("0310-1234567", "0310-1234567"),
        # extensions are dropped
        ("023-68881234转8012", "023-68881234"),
        ("023-68881234-8012", "023-68881234"),
        ("68881234分机12", "023-68881234"),
        ("023 6888 1234 ext. 12", "023-68881234"),
        # no personal phone
        ("12345", None),
        ("110", None),
        ("95555", None),
        ("400-820-8820", None),
        ("800-810-8888", None),
        ("138123456789", None),
        ("1381234567", None),
        ("10012345678", None),
        ("12345678901", None),
        ("0755-8888888", None),
        ("+852 9123 4567", None),
        ("+1 415 555 0100", None),
        ("6888123", None),
        ("0000000", None),
        ("无", None),
        ("—", None),
        ("", None),
    ],
)
def test_clean_phone(raw, clean):
    assert clean_phone(raw) == clean


@pytest.mark.parametrize(
    ("raw", "area", "clean"),
    [
        ("68881234", "010", "010-68881234"),
        ("68881234", "", None),
        ("023-68881234", "010", "023-68881234"),
        ("13812345678", "", "13812345678"),
    ],
)
def test_default_area_code_only_fills_local_numbers(raw, area, clean):
    assert clean_phone(raw, area) == clean


@pytest.mark.parametrize(
    ("clean", "kind"),
    [
        ("13812345678", "mobile"),
        ("19912345678", "mobile"),
        ("023-68881234", "landline"),
        ("010-65123456", "landline"),
        ("0571-88886666", "landline"),
    ],
)
def test_phone_kind(clean, kind):
    assert phone_kind(clean) == kind


@pytest.mark.parametrize("not_canonical", ["+86 13812345678", "02368881234", "68881234", "12345", ""])
def test_phone_kind_wants_the_canonical_form(not_canonical):
    with pytest.raises(ValueError, match="canonical"):
        phone_kind(not_canonical)


@pytest.mark.parametrize("raw", ["13812345678", "+86 023 6888 1234", "68881234", "0571-88886666"])
def test_clean_phone_is_idempotent(raw):
    clean = clean_phone(raw)
    assert clean is not None and clean_phone(clean) == clean


@pytest.mark.parametrize(
    "raw", ["028-95335", "02895335", "0571-95188", "010-96123", "023-12345", "0755-1234567"]
)
def test_what_clean_phone_returns_has_a_kind(raw):
    """A short number behind an area code (a 95xxx service line) is no household's phone: either
    None, or a number `phone_kind` takes (it raised on 028-95335 in the middle of a resolution)."""
    clean = clean_phone(raw)
    assert clean is None or phone_kind(clean) in ("mobile", "landline")


def test_a_service_line_behind_an_area_code_is_no_personal_phone():
    assert clean_phone("028-95335") is None
