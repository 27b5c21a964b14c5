"""Text normalisation: what a cadre types is stored as one Simplified form."""

from jobmatch import text


def test_traditional_becomes_simplified():
    assert text.normalize("縫紉工") == "缝纫工"
    assert text.normalize("會開叉車") == "会开叉车"


def test_full_width_digits_and_letters_become_half_width():
    assert text.normalize("ＣＮＣ操作工１２") == "CNC操作工12"


def test_whitespace_is_trimmed_and_collapsed():
    assert text.normalize("  电焊\u3000 工 \n") == "电焊 工"


def test_none_and_blank():
    assert text.normalize(None) == ""
    assert text.normalize_optional("   ") is None
    assert text.normalize_optional(None) is None


def test_id_digits_fold_full_width_and_lower_x():
    assert text.normalize_digits("３６２３２５ 1990 0101 001x") == "3623251990010100 1X".replace(" ", "")


def test_skills_split_on_chinese_separators_and_deduplicate():
    raw = text.split_skills("缝纫、會開叉車，缝纫; 养猪")
    assert raw == ["缝纫", "會開叉車", "缝纫", "养猪"]
    assert text.normalize_skills(raw) == ["缝纫", "会开叉车", "养猪"]


def test_homophone_typos_share_a_pinyin_key():
    assert text.pinyin_key("电汗") == text.pinyin_key("电焊")
