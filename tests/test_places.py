"""The places gazetteer: the shipped tables and the lookups and matcher built on them."""

from __future__ import annotations

import csv
import math
import unicodedata
from pathlib import Path

import pytest

from classifier import places
from classifier.places import City, PlaceMatch, find_places

DATA = Path(places.__file__).resolve().parent / "data"

# The 54 UN member states of Africa with the capital the cities table must hold
# (seat of government where it differs from the official capital, both where both exist).
AFRICAN_CAPITALS = {
    "DZ": ["Algiers"], "AO": ["Luanda"], "BJ": ["Porto-Novo"], "BW": ["Gaborone"],
    "BF": ["Ouagadougou"], "BI": ["Gitega"], "CV": ["Praia"], "CM": ["Yaoundé"],
    "CF": ["Bangui"], "TD": ["N'Djamena"], "KM": ["Moroni"], "CG": ["Brazzaville"],
    "CD": ["Kinshasa"], "DJ": ["Djibouti"], "EG": ["Cairo"], "GQ": ["Malabo"],
    "ER": ["Asmara"], "SZ": ["Mbabane", "Lobamba"], "ET": ["Addis Ababa"],
    "GA": ["Libreville"], "GM": ["Banjul"], "GH": ["Accra"], "GN": ["Conakry"],
    "GW": ["Bissau"], "CI": ["Yamoussoukro"], "KE": ["Nairobi"], "LS": ["Maseru"],
    "LR": ["Monrovia"], "LY": ["Tripoli"], "MG": ["Antananarivo"], "MW": ["Lilongwe"],
    "ML": ["Bamako"], "MR": ["Nouakchott"], "MU": ["Port Louis"], "MA": ["Rabat"],
    "MZ": ["Maputo"], "NA": ["Windhoek"], "NE": ["Niamey"], "NG": ["Abuja"],
    "RW": ["Kigali"], "ST": ["São Tomé"], "SN": ["Dakar"], "SC": ["Victoria"],
    "SL": ["Freetown"], "SO": ["Mogadishu"], "ZA": ["Pretoria", "Cape Town", "Bloemfontein"],
    "SS": ["Juba"], "SD": ["Khartoum"], "TZ": ["Dodoma"], "TG": ["Lomé"], "TN": ["Tunis"],
    "UG": ["Kampala"], "ZM": ["Lusaka"], "ZW": ["Harare"],
}


def _csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _found(text: str) -> list[tuple[str, str, str]]:
    """(surface, kind, code) of every match, checking offsets on the way."""
    out = []
    for m in find_places(text):
        assert text[m.start:m.end] == m.surface
        out.append((m.surface, m.kind, m.code))
    return out


def _codes(text: str) -> list[str]:
    return [m.code for m in find_places(text)]


# ---------------------------------------------------------------- the shipped tables


def test_countries_table_has_every_iso_country_once():
    rows = _csv("countries.csv")
    assert len(rows) == 249
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == 249
    assert all(len(c) == 2 and c.isupper() for c in codes)
    for r in rows:
        assert r["name_en"] and r["name_fr"], r["code"]
        assert r["continent"] in {"AF", "EU", "AS", "NA", "SA", "OC", "AN"}, r["code"]
        assert -90 <= float(r["lat"]) <= 90 and -180 <= float(r["lon"]) <= 180


def test_iso_codes_that_are_easy_to_confuse():
    expected = {
        "NA": "Namibia", "SZ": "Eswatini", "CG": "Republic of the Congo",
        "CD": "Democratic Republic of the Congo", "GN": "Guinea", "GW": "Guinea-Bissau",
        "GQ": "Equatorial Guinea", "NE": "Niger", "NG": "Nigeria", "MR": "Mauritania",
        "MU": "Mauritius", "EH": "Western Sahara", "SS": "South Sudan", "SD": "Sudan",
        "CI": "Côte d'Ivoire", "CV": "Cabo Verde", "ZA": "South Africa", "GM": "Gambia",
        "KM": "Comoros", "ST": "São Tomé and Príncipe", "AE": "United Arab Emirates",
        "GB": "United Kingdom", "US": "United States",
    }
    for code, name in expected.items():
        assert places.country_name(code) == name


def test_african_countries_are_the_african_ones():
    african = {c.code for c in places.all_countries() if places.is_african(c.code)}
    assert set(AFRICAN_CAPITALS) <= african
    assert african - set(AFRICAN_CAPITALS) == {"EH", "RE", "YT", "SH"}
    for code in ("FR", "ES", "AE", "SA", "US", "GB", "IN", "PT", "XX", ""):
        assert not places.is_african(code)
    assert places.is_african("ng")


def test_cities_table_is_well_formed():
    rows = _csv("cities.csv")
    assert set(rows[0]) == {"name", "aliases", "country", "lat", "lon", "kind", "ambiguous"}
    codes = {c.code for c in places.all_countries()}
    seen = set()
    for r in rows:
        key = (r["name"], r["country"])
        assert key not in seen, key
        seen.add(key)
        assert r["country"] in codes, r
        assert r["kind"] in {"capital", "city", "town", "district", "business-park"}, r
        assert r["ambiguous"] in {"0", "1"}, r
        assert -90 <= float(r["lat"]) <= 90 and -180 <= float(r["lon"]) <= 180, r
    african = [r for r in rows if places.is_african(r["country"])]
    assert len(african) >= 400
    assert len(rows) - len(african) >= 80


def test_african_cities_lie_near_their_country():
    # Catches swapped latitude/longitude and wrong country codes.
    for c in places.all_cities():
        if not places.is_african(c.country):
            continue
        lat, lon = places.country_centroid(c.country)
        assert math.hypot(c.lat - lat, c.lon - lon) < 15, c


def test_every_african_capital_is_in_the_cities_table():
    for code, names in AFRICAN_CAPITALS.items():
        for name in names:
            c = places.city(name)
            assert c is not None and c.country == code and c.kind == "capital", (code, name)


def test_data_centre_places_from_the_news_are_known():
    wanted = {
        "Lekki": "NG", "Ikeja": "NG", "Victoria Island": "NG", "Ikoyi": "NG", "Kano": "NG",
        "Port Harcourt": "NG", "Tema": "GH", "Amrahia": "GH", "Appolonia": "GH",
        "Grand-Bassam": "CI", "Diamniadio": "SN", "Diass": "SN", "Thiès": "SN",
        "Nouaceur": "MA", "Casablanca": "MA", "Tétouan": "MA", "Benguerir": "MA",
        "Dakhla": "EH", "Tangier": "MA", "New Administrative Capital": "EG", "Maadi": "EG",
        "Alexandria": "EG", "6th of October City": "EG", "Tatu City": "KE",
        "Olkaria": "KE", "Naivasha": "KE", "Mombasa": "KE", "Athi River": "KE",
        "Jinja": "UG", "Dar es Salaam": "TZ", "Isando": "ZA", "Midrand": "ZA",
        "Samrand": "ZA", "Bredell": "ZA", "Centurion": "ZA", "Durban": "ZA",
        "Tshwane": "ZA", "Kenhardt": "ZA", "Melkbosstrand": "ZA", "Lubumbashi": "CD",
        "Douala": "CM", "Zamengoe": "CM", "Blitta": "TG", "Abomey-Calavi": "BJ",
        "Hargeisa": "SO", "Ebene": "MU", "Blantyre": "MW", "Sfax": "TN", "Oran": "DZ",
        "Nador": "MA", "Dubai": "AE", "Abu Dhabi": "AE", "Ajman": "AE", "Riyadh": "SA",
        "Jeddah": "SA", "Doha": "QA", "Marseille": "FR", "Paris": "FR", "Madrid": "ES",
        "Lisbon": "PT", "Sines": "PT", "London": "GB", "Amsterdam": "NL",
        "Frankfurt": "DE", "Ashburn": "US", "Singapore": "SG", "Mumbai": "IN",
        "Nozay": "FR",
    }
    for name, code in wanted.items():
        c = places.city(name)
        assert c is not None and c.country == code, (name, c)


# ---------------------------------------------------------------- country_code & names


@pytest.mark.parametrize("name, code", [
    ("Côte d'Ivoire", "CI"), ("Ivory Coast", "CI"), ("Cote d'Ivoire", "CI"),
    ("cote d ivoire", "CI"), ("Côte d’Ivoire", "CI"), ("COTE D'IVOIRE", "CI"),
    ("la Côte d'Ivoire", "CI"), ("DRC", "CD"), ("DR Congo", "CD"), ("D.R. Congo", "CD"),
    ("Democratic Republic of the Congo", "CD"), ("Democratic Republic of Congo", "CD"),
    ("RDC", "CD"), ("République démocratique du Congo", "CD"), ("Congo-Kinshasa", "CD"),
    ("Congo-Brazzaville", "CG"), ("Republic of Congo", "CG"), ("Congo", "CG"),
    ("Swaziland", "SZ"), ("Eswatini", "SZ"), ("Cape Verde", "CV"), ("Cabo Verde", "CV"),
    ("Cap-Vert", "CV"), ("UAE", "AE"), ("Emirats arabes unis", "AE"),
    ("Émirats arabes unis", "AE"), ("US", "US"), ("U.S.", "US"), ("USA", "US"),
    ("United States", "US"), ("États-Unis", "US"), ("Etats-Unis", "US"), ("UK", "GB"),
    ("Royaume-Uni", "GB"), ("United Kingdom", "GB"), ("South Africa", "ZA"),
    ("Afrique du Sud", "ZA"), ("Morocco", "MA"), ("Maroc", "MA"), ("l'Égypte", "EG"),
    ("Egypte", "EG"), ("the Gambia", "GM"), ("Gambie", "GM"), ("Guinée", "GN"),
    ("Guinée-Bissau", "GW"), ("Guinée équatoriale", "GQ"), ("Niger", "NE"),
    ("Nigeria", "NG"), ("Nigéria", "NG"), ("Mauritanie", "MR"), ("Maurice", "MU"),
    ("Mauritius", "MU"), ("Western Sahara", "EH"), ("Sahara occidental", "EH"),
    ("South Sudan", "SS"), ("Soudan du Sud", "SS"), ("Soudan", "SD"), ("Tchad", "TD"),
    ("Ouganda", "UG"), ("Tanzanie", "TZ"), ("Somalie", "SO"), ("Sénégal", "SN"),
    ("senegal", "SN"), ("Saudi Arabia", "SA"), ("Arabie saoudite", "SA"), ("KSA", "SA"),
    ("Türkiye", "TR"), ("Turkey", "TR"), ("Namibie", "NA"),
])
def test_country_code_accepts_names_and_aliases(name, code):
    assert places.country_code(name) == code


def test_alpha2_codes_only_in_capitals():
    assert places.country_code("SN") == "SN"
    assert places.country_code("NA") == "NA"
    assert places.country_code("sn") is None
    assert places.country_code("na") is None
    assert places.country_code("us") is None     # the pronoun, not the country
    assert places.country_code("ZZ") is None


def test_country_code_rejects_non_countries():
    for word in ("", "   ", "Lagos", "data centre", "Nigerian", "Africa", "Orange"):
        assert places.country_code(word) is None


def test_country_names_in_english_and_french():
    assert places.country_name("CI", "fr") == "Côte d'Ivoire"
    assert places.country_name("ZA", "fr") == "Afrique du Sud"
    assert places.country_name("MA", "fr") == "Maroc"
    assert places.country_name("CD", "fr") == "République démocratique du Congo"
    assert places.country_name("EG", "fr") == "Égypte"
    assert places.country_name("US", "fr") == "États-Unis"
    assert places.country_name("sn") == "Senegal"
    assert places.country_name("XX") is None


@pytest.mark.parametrize("word, code", [
    ("Nigerian", "NG"), ("nigériane", "NG"), ("nigérian", "NG"), ("Nigerians", "NG"),
    ("nigérien", "NE"), ("Nigerien", "NE"), ("Moroccan", "MA"), ("Marocain", "MA"),
    ("marocaine", "MA"), ("Marocaines", "MA"), ("Sénégalais", "SN"), ("sénégalaise", "SN"),
    ("Kenyan", "KE"), ("kényane", "KE"), ("Ivorian", "CI"), ("Ivoirien", "CI"),
    ("ivoiriennes", "CI"), ("Camerounais", "CM"), ("Egyptian", "EG"), ("Égyptien", "EG"),
    ("egyptienne", "EG"), ("South African", "ZA"), ("sud-africain", "ZA"),
    ("Sud-Africaine", "ZA"), ("Ghanaian", "GH"), ("ghanéen", "GH"), ("Emirati", "AE"),
    ("Mauritanian", "MR"), ("Mauritian", "MU"), ("Guinean", "GN"),
    ("Bissau-Guinean", "GW"), ("South Sudanese", "SS"), ("Sudanese", "SD"),
    ("burkinabè", "BF"), ("Swazi", "SZ"), ("Congolese", "CD"), ("américain", "US"),
])
def test_demonyms_in_english_and_french(word, code):
    assert places.demonym_country(word) == code


def test_not_a_demonym():
    for word in ("", "Nigeria", "African", "data", "Lagos"):
        assert places.demonym_country(word) is None


# ---------------------------------------------------------------- cities & coordinates


@pytest.mark.parametrize("alias, name", [
    ("Le Caire", "Cairo"), ("Caire", "Cairo"), ("cairo", "Cairo"), ("Alger", "Algiers"),
    ("Tanger", "Tangier"), ("Fès", "Fez"), ("Fes", "Fez"), ("Le Cap", "Cape Town"),
    ("Johannesbourg", "Johannesburg"), ("Joburg", "Johannesburg"),
    ("Addis-Abeba", "Addis Ababa"), ("Addis Abeba", "Addis Ababa"), ("Yaounde", "Yaoundé"),
    ("yaoundé", "Yaoundé"), ("Lome", "Lomé"), ("Ndjamena", "N'Djamena"),
    ("Port Elizabeth", "Gqeberha"), ("Tétouan", "Tetouan"), ("Marrakech", "Marrakesh"),
    ("Tombouctou", "Timbuktu"), ("Assouan", "Aswan"), ("Abou Dhabi", "Abu Dhabi"),
    ("Londres", "London"), ("Ebène", "Ebene"), ("Konza Technopolis", "Konza"),
    ("Pékin", "Beijing"),
])
def test_city_aliases(alias, name):
    c = places.city(alias)
    assert c is not None and c.name == name


def test_city_returns_the_african_place_for_shared_names():
    lagos = places.city("Lagos")
    assert lagos == places.city("LAGOS")
    assert lagos.country == "NG" and lagos.ambiguous
    assert places.city("Victoria").country == "SC"
    assert places.city("Victoria").ambiguous
    assert not places.city("Nairobi").ambiguous
    assert places.city("Tema").ambiguous and places.city("Praia").ambiguous
    assert places.city("Juba").ambiguous and places.city("Kano").ambiguous
    assert places.city("Georgetown").ambiguous
    assert places.city("Atlantis") is not None and places.city("Atlantis").ambiguous
    assert places.city("Gotham") is None
    assert places.city("") is None


def test_coordinates_come_from_the_curated_table():
    lat, lon = places.coordinates("Nairobi")
    assert abs(lat - -1.28) < 0.05 and abs(lon - 36.82) < 0.05
    lat, lon = places.coordinates("Le Caire")
    assert abs(lat - 30.05) < 0.05 and abs(lon - 31.25) < 0.05
    lat, lon = places.coordinates("Lagos", "NG")
    assert abs(lat - 6.45) < 0.05 and abs(lon - 3.39) < 0.05
    assert places.coordinates("Lagos", "PT") is None       # not in the table
    assert places.coordinates("Gombe", "CD") != places.coordinates("Gombe", "NG")
    assert places.coordinates("Atlantis City") is None
    assert places.country_centroid("KE") is not None


# ---------------------------------------------------------------- find_places


def test_english_article():
    text = ("Nigeria's MainOne has opened a 5MW data centre in Lekki, Lagos, and plans "
            "sites in Accra and Abidjan. South African operator Teraco builds in Isando.")
    assert _found(text) == [
        ("Nigeria", "country", "NG"), ("Lekki", "city", "NG"), ("Lagos", "city", "NG"),
        ("Accra", "city", "GH"), ("Abidjan", "city", "CI"), ("South African", "demonym", "ZA"),
        ("Isando", "city", "ZA")]


def test_french_article_with_elision_and_articles():
    text = ("Raxio inaugure son datacenter d'Abidjan en Côte d'Ivoire. L'opérateur "
            "sénégalais Sonatel investit au Sénégal, à Diamniadio, tandis que l'Égypte "
            "et le Maroc accélèrent. Le Caire accueille un campus ; au Caire, les Marocains.")
    assert _found(text) == [
        ("Abidjan", "city", "CI"), ("Côte d'Ivoire", "country", "CI"),
        ("sénégalais", "demonym", "SN"), ("Sénégal", "country", "SN"),
        ("Diamniadio", "city", "SN"), ("Égypte", "country", "EG"), ("Maroc", "country", "MA"),
        ("Le Caire", "city", "EG"), ("Caire", "city", "EG"), ("Marocains", "demonym", "MA")]


def test_typographic_apostrophes_and_hyphens():
    text = "En Côte d’Ivoire, à N’Djamena et à Addis‑Abeba, l’Égypte."
    assert [s for s, _, _ in _found(text)] == ["Côte d’Ivoire", "N’Djamena", "Addis‑Abeba",
                                                "Égypte"]
    assert _codes(text) == ["CI", "TD", "ET", "EG"]


def test_matching_ignores_accents_but_keeps_offsets():
    text = "Le Senegal, Yaounde et Lome; le Sénégal, Yaoundé et Lomé."
    assert _codes(text) == ["SN", "CM", "TG", "SN", "CM", "TG"]


def test_decomposed_accents_map_back_to_the_original_offsets():
    text = unicodedata.normalize("NFD", "Le datacenter de Lomé au Sénégal")
    found = find_places(text)
    assert [m.code for m in found] == ["TG", "SN"]
    for m in found:
        assert text[m.start:m.end] == m.surface
    assert unicodedata.normalize("NFC", found[1].surface) == "Sénégal"


def test_ambiguous_lowercase_words_do_not_match():
    text = ("O tema da conferência foi a praia; in the lagos region the juba dance. "
            "Franchir le cap de 100 MW, du sale travail.")
    assert find_places(text) == []


def test_capitalised_ambiguous_names_match_and_are_flagged():
    found = {m.surface: m for m in find_places("Tema port and Praia, Victoria and Nairobi")}
    assert found["Tema"].ambiguous and found["Tema"].code == "GH"
    assert found["Praia"].ambiguous and found["Praia"].code == "CV"
    assert found["Victoria"].ambiguous and found["Victoria"].code == "SC"
    assert not found["Nairobi"].ambiguous


def test_longest_match_wins():
    text = ("Benin City is in Nigeria, not Benin. Guinea-Bissau, Equatorial Guinea and "
            "Papua New Guinea are not Guinea. South Africans, Victoria Island, Cape Town, "
            "Congo-Brazzaville and the Democratic Republic of the Congo.")
    assert _found(text) == [
        ("Benin City", "city", "NG"), ("Nigeria", "country", "NG"), ("Benin", "country", "BJ"),
        ("Guinea-Bissau", "country", "GW"), ("Equatorial Guinea", "country", "GQ"),
        ("Papua New Guinea", "country", "PG"), ("Guinea", "country", "GN"),
        ("South Africans", "demonym", "ZA"), ("Victoria Island", "city", "NG"),
        ("Cape Town", "city", "ZA"), ("Congo-Brazzaville", "country", "CG"),
        ("Democratic Republic of the Congo", "country", "CD")]


def test_a_longer_name_cut_inside_a_word_gives_way_to_the_shorter_one():
    # "Benin City" runs on into "Citywide": the longest name that ends at a word
    # boundary is "Benin". A name ending in punctuation needs no boundary after it.
    assert _found("the Benin Citywide grid") == [("Benin", "country", "BJ")]
    assert _found("a U.S.-based fund") == [("U.S.", "country", "US")]


def test_names_inside_longer_words_do_not_match():
    assert _codes("Nigeria and Nigerien officials; Malian and Somalia") == \
        ["NG", "NE", "ML", "SO"]
    assert find_places("Lagosian Kenyatta Tunisiana Chadwick Nigerias") == []


def test_phrases_that_are_not_the_country_are_dropped():
    text = ("Cables in the Gulf of Guinea, the golfe de Guinée and the Indian Ocean; the "
            "Niger Delta, Lake Victoria, le lac Victoria, a US$50 million loan, 3 US dollars.")
    assert find_places(text) == []


def test_acronyms_match_only_in_capitals():
    assert _codes("The US and the UAE, the DRC and la RDC.") == ["US", "AE", "CD", "CD"]
    assert _codes("Let us use the uae and drc") == []
    assert _codes("a U.S. firm, U.S.-based") == ["US", "US"]


def test_headlines_in_capitals():
    text = "LAGOS, May 2 - NIGERIA and KENYA; ADDIS ABABA; CÔTE D'IVOIRE"
    assert _codes(text) == ["NG", "NG", "KE", "ET", "CI"]
    assert find_places("GAO report, ABA rules") == []       # short capitals are acronyms


def test_french_articles_before_city_names():
    assert _found("Une région cloud au Cap et une autre du Cap.") == [
        ("Cap", "city", "ZA"), ("Cap", "city", "ZA")]
    assert find_places("Cap sur l'Afrique") == []
    assert _codes("Le Cap et Johannesbourg") == ["ZA", "ZA"]


def test_french_demonyms_lowercase_and_capitalised():
    text = "le gouvernement ivoirien, les Ivoiriens, des investisseurs sud-africains"
    assert _found(text) == [("ivoirien", "demonym", "CI"), ("Ivoiriens", "demonym", "CI"),
                            ("sud-africains", "demonym", "ZA")]


def test_country_sharing_its_name_with_a_city_carries_the_city():
    (m,) = find_places("Djibouti")
    assert m.kind == "country" and m.code == "DJ"
    assert m.city is not None and m.city.name == "Djibouti"


def test_matches_carry_the_city_row():
    (m,) = find_places("a campus at Tatu City")
    assert isinstance(m, PlaceMatch)
    assert m.kind == "city" and m.code == "KE"
    assert isinstance(m.city, City) and m.city.name == "Tatu City"
    assert m.city.kind == "business-park"


def test_non_african_markets_are_recognised_as_such():
    found = find_places("Khazna builds in Dubai and Riyadh, Equinix in Ashburn and Marseille.")
    assert [(m.surface, m.code) for m in found] == [
        ("Dubai", "AE"), ("Riyadh", "SA"), ("Ashburn", "US"), ("Marseille", "FR")]
    assert not any(places.is_african(m.code) for m in found)


def test_odd_input():
    assert find_places("") == []
    assert find_places("🚀 مرحبا 数据中心") == []
    assert _codes("Lagos 🚀 مرحبا Abidjan œuvre Kenya") == ["NG", "CI", "KE"]
    assert _codes("Nairobi\n\nKampala\tKigali\u00a0Dakar") == ["KE", "UG", "RW", "SN"]
