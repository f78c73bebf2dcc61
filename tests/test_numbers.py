import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from classifier import numbers
from classifier.numbers import capacities, dollar_amounts


def test_capacities_in_english_and_french():
    found = [f.value for f in capacities("a 40MW campus, 1,4 MW, 500 kW, 1GW and a 2,000 MW plan",
                                         french=False)]
    assert found == [40, 1.4, 0.5, 1000, 2000]


def test_solar_peak_and_energy_figures_are_not_it_capacity():
    assert capacities("a 23 MWc solar plant storing 50 MWh") == []


def test_dollar_amounts_only():
    text = ("$90 million, US$1.2bn, 250 millions de dollars, R8 billion, A$5m, "
            "15 millions d'euros, 12 milliards de FCFA")
    assert [f.value for f in dollar_amounts(text, french=True)] == [90e6, 1.2e9, 250e6]


def test_tiny_and_absurd_capacities_are_not_figures():
    # Rounded to 0 would be stored as a capacity of 0; a trillion watts is a misread number.
    assert [f.value for f in capacities("0.00004 MW and 1.000.000 MW and 0.4 kW")] == [0.0004]
    assert [f.value for f in capacities("a 0.00004 MW test load beside a 10 MW hall")] == [10]
    assert [f.value for f in capacities("1.000.000 MW, then 5 MW")] == [5]


# The number pattern as first written; the shipped one leads with a lone digit for speed.
_PLAIN_NUM = r"(?P<whole>\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+|\d+)(?:(?P<sep>[.,])(?P<frac>\d+))?"
_PATTERNS = (numbers._CAPACITY, numbers._DOLLAR_BEFORE, numbers._DOLLAR_AFTER)


def _found(rx: re.Pattern[str], text: str) -> list[tuple]:
    return [(m.span(), m.groupdict()) for m in rx.finditer(text)]


_PIECES = ["1", "12", "123", "1234", "000", "5", ",", ".", " ", "\u00a0", "\u202f", "MW", "kW",
           "GW", "megawatts", "MWh", "million", "bn", "m", "$", "US$", "USD", "dollars", "-",
           "à", "to", "de ", "x"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
@example("123,456 MW and 12.5 MW")
@example("$1\u00a0000\u00a0000 or US$2.000.000,5 million")
@example("1234,567 dollars")
def test_number_patterns_match_as_with_the_plain_number(text):
    for rx in _PATTERNS:
        assert numbers._NUM in rx.pattern
        plain = re.compile(rx.pattern.replace(numbers._NUM, _PLAIN_NUM), rx.flags)
        assert _found(rx, text) == _found(plain, text)
