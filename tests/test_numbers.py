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
