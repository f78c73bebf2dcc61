from spiders.urls import is_asset_url, normalize_url


def test_tracking_parameters_and_fragments_go():
    assert normalize_url("HTTPS://Example.ORG/a/b/?utm_source=x&id=3&fbclid=y#top") == \
        "https://example.org/a/b/?id=3"
    assert normalize_url("http://example.org:80") == "http://example.org/"


def test_meaningful_query_order_is_kept():
    assert normalize_url("https://x.org/?page=2&cat=dc") == "https://x.org/?page=2&cat=dc"


def test_assets_are_not_pages():
    assert is_asset_url("https://x.org/img/photo.JPG")
    assert is_asset_url("https://x.org/report.pdf")
    assert not is_asset_url("https://x.org/2024/05/story/")
    assert not is_asset_url("https://x.org/story-123.html")
