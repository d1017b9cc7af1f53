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
