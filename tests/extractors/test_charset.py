import codecs

import pytest

from extractors.charset import decode_html, meta_charset, normalise_charset

JA = "マイクロソフトは日本に29億ドルを投資する。東京と大阪のデータセンターを増強。"
KO = "마이크로소프트가 일본에 29억 달러를 투자한다고 밝혔다. 데이터센터를 늘린다."
ZH = "微软宣布将在日本投资29亿美元，扩大云计算和人工智能基础设施。"


def page(body: str, charset: str | None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        (JA, "shift_jis", "Shift_JIS"),
        (JA, "euc_jp", "EUC-JP"),
        (KO, "euc_kr", "EUC-KR"),
        (KO, "cp949", "ks_c_5601-1987"),
        (ZH, "gb18030", "GB2312"),
        (JA, "utf-8", "utf-8"),
    ],
)
def test_meta_charset_decodes_cjk(text: str, codec: str, label: str) -> None:
    data = page(text, label).encode(codec)
    decoded, _used = decode_html(data)
    assert text in decoded


def test_header_charset_wins_over_meta() -> None:
    data = page(JA, "utf-8").encode("shift_jis")  # the meta lies; the header is right
    decoded, used = decode_html(data, declared="Shift_JIS")
    assert JA in decoded
    assert used == "cp932"


def test_wrong_declared_charset_falls_back() -> None:
    data = page(KO, None).encode("euc_kr")
    decoded, _ = decode_html(data, declared="utf-8")
    assert KO in decoded


def test_latin1_label_on_utf8_bytes_is_utf8() -> None:
    data = page("Zürich – “quoted” 東京", None).encode("utf-8")
    decoded, used = decode_html(data, declared="iso-8859-1")
    assert "Zürich – “quoted” 東京" in decoded
    assert used == "utf-8"


def test_a_one_byte_legacy_label_on_utf8_bytes_is_utf8() -> None:
    polish = "Gdańsk: urząd nałożył karę za przesyłanie danych za granicę. " * 5
    cyrillic = "Регулятор оштрафовал облачного провайдера. " * 5
    for text, label in ((polish, "ISO-8859-2"), (cyrillic, "windows-1251"), (polish, "windows-1250")):
        decoded, used = decode_html(page(text, label).encode("utf-8"))
        assert text in decoded and used == "utf-8", label
    decoded, used = decode_html(page(cyrillic, "windows-1251").encode("cp1251"))  # a true label stays
    assert cyrillic in decoded and used == "cp1251"


def test_utf8_with_a_few_bad_bytes_stays_utf8() -> None:
    """A Latin-1 fragment in a UTF-8 page: replaced, not a reason to read the whole page as Latin-1."""
    text = "Die Behörde prüft die Übermittlung der Daten nach Übersee. " * 8
    data = page(text, "utf-8").encode("utf-8").replace(b"</p>", b" Gr\xfc\xdfe</p>")
    for label in ("utf-8", None):
        decoded, used = decode_html(data, declared=label)
        assert text in decoded and used == "utf-8", label
    legacy = page(text, None).encode("cp1252")  # no valid UTF-8 at all: detected, not replaced
    decoded, used = decode_html(legacy)
    assert text in decoded and used != "utf-8"


def test_bom_is_trusted_and_stripped() -> None:
    data = codecs.BOM_UTF8 + page(JA, "shift_jis").encode("utf-8")
    decoded, used = decode_html(data)
    assert decoded.startswith("<html>")
    assert JA in decoded
    assert used == "utf-8"


def test_undeclared_legacy_bytes_are_detected() -> None:
    long_ko = (KO + " ") * 20
    decoded, _ = decode_html(page(long_ko, None).encode("euc_kr"))
    assert KO in decoded


def test_garbage_never_raises() -> None:
    decoded, _ = decode_html(bytes(range(256)) * 10)
    assert isinstance(decoded, str)


def test_helpers() -> None:
    assert meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">') == "euc-kr"
    assert normalise_charset("Shift_JIS") == "cp932"
    assert normalise_charset("no-such-charset") is None
