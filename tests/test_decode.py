from pipeline.decode import decode_html


def test_declared_charset_is_used_when_the_bytes_are_not_utf8():
    # iso-8859-1 is read as its superset windows-1252, as browsers do.
    assert decode_html("Côte".encode("iso-8859-1"), "iso-8859-1") == ("Côte", "cp1252")


def test_a_lying_header_falls_back_without_losing_text():
    text, used = decode_html("<p>Côte d'Ivoire</p>".encode("iso-8859-1"), "utf-8")
    assert "Côte d'Ivoire" in text and used != "utf-8"


def test_valid_utf8_wins_over_a_latin1_label():
    assert decode_html("Lomé".encode(), "iso-8859-1") == ("Lomé", "utf-8")


def test_meta_charset_beats_a_missing_header():
    body = '<meta charset="windows-1252"><p>déjà</p>'.encode("cp1252")
    assert "déjà" in decode_html(body, None)[0]


def test_unknown_charset_names_are_ignored_and_binary_is_refused():
    assert decode_html(b"plain", "x-no-such-charset")[0] == "plain"
    assert decode_html(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, None) is None
