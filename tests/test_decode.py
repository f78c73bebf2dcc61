from pipeline.decode import decode_html


def test_declared_charset_is_used_when_valid():
    assert decode_html("Côte".encode("iso-8859-1"), "iso-8859-1") == ("Côte", "iso8859-1")


def test_a_lying_header_falls_back_without_losing_text():
    text, used = decode_html("<p>Côte d'Ivoire</p>".encode("iso-8859-1"), "utf-8")
    assert "Côte d'Ivoire" in text and used != "utf-8"


def test_meta_charset_beats_a_missing_header():
    body = '<meta charset="windows-1252"><p>déjà</p>'.encode("cp1252")
    assert "déjà" in decode_html(body, None)[0]


def test_unknown_charset_names_are_ignored():
    assert decode_html(b"plain", "x-no-such-charset")[0] == "plain"
