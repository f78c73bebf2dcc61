"""The tagger on texts it has never seen: unknown names found from context, odd inputs."""

from __future__ import annotations

import pytest

from classifier.tagger import Tagger

KEYS = {"relevant", "operators", "investors", "countries", "capacity_mw", "cities", "event",
        "investment_usd"}


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


# Names below appear in no training article and no gazetteer: they can only be found from
# context ("has opened", "backed by", "a investi").
UNKNOWN_EN = (
    "Zorvanta Digital has opened a 12MW Tier III data centre in Kisumu, Kenya, its first "
    "facility in East Africa. The site was financed with a $40 million loan from Quellmark "
    "Capital Partners, the company said on Monday.\n\n"
    "Zorvanta Digital chief executive Amara Okonjo said cloud providers and banks are moving "
    "workloads onshore. Construction was carried "
    "out by a local contractor, and cooling equipment was supplied by an international vendor.\n\n"
    "Kenya has seen a wave of data centre investment as demand for local hosting grows.")
UNKNOWN_FR = (
    "L'opérateur Dalvira Numérique a inauguré jeudi à Bobo-Dioulasso, au Burkina Faso, un "
    "datacenter de niveau Tier III d'une capacité de 2 MW. Le projet a été financé par un prêt "
    "de la banque Sahelor Invest, qui a investi 15 millions de dollars.\n\n"
    "Selon Dalvira Numérique, le site hébergera les données des administrations et des "
    "entreprises du pays. La société prévoit une deuxième salle informatique en 2026.")


def test_unknown_operator_investor_and_place_in_english(tagger):
    tags = tagger.tag(UNKNOWN_EN, "Zorvanta Digital opens 12MW data centre in Kisumu")
    assert set(tags) == KEYS
    assert tags["relevant"] is True
    assert tags["operators"] == ["Zorvanta Digital"]
    assert tags["investors"] == ["Quellmark Capital Partners"]
    assert tags["countries"] == ["KE"]
    assert tags["capacity_mw"] == 12
    assert tags["investment_usd"] == 40_000_000
    assert "Amara Okonjo" not in tags["operators"] + tags["investors"]


def test_unknown_operator_and_investor_in_french(tagger):
    tags = tagger.tag(UNKNOWN_FR, "Burkina Faso : Dalvira Numérique ouvre un datacenter à "
                                  "Bobo-Dioulasso", "fr")
    assert tags["relevant"] is True
    assert tags["operators"] == ["Dalvira Numérique"]
    assert "Sahelor Invest" in tags["investors"]
    assert tags["countries"] == ["BF"]
    assert tags["capacity_mw"] == 2


def test_a_non_african_data_centre_and_an_unrelated_story_are_not_relevant(tagger):
    gulf = ("Brightwave Cloud said it will build a 50MW data centre in Riyadh, Saudi Arabia, "
            "to serve hyperscale customers in the Gulf. Construction starts next year.")
    fintech = ("Lagos-based payments start-up Kudipay raised $20 million in a Series B round "
               "led by a US venture fund to expand its merchant network across Nigeria.")
    for text in (gulf, fintech):
        tags = tagger.tag(text)
        assert tags["relevant"] is False
        assert tags["operators"] == [] and tags["capacity_mw"] is None


@pytest.mark.parametrize("text", [
    "",
    "   \n\n  ",
    "أعلنت شركة عن افتتاح مركز بيانات جديد في القاهرة بقدرة 20 ميغاواط " * 50,
    "一家公司宣布在内罗毕开设一个新的数据中心，容量为二十兆瓦。" * 50,
    "data centre lagos 10mw " * 5000,                      # no sentence boundary at all
    ("Nairobi data centre news. " * 40000)[:1_000_000],     # 1 MB
])
def test_odd_inputs_give_a_clear_result(tagger, text):
    tags = tagger.tag(text)
    assert set(tags) == KEYS
    assert isinstance(tags["relevant"], bool)
    assert all(isinstance(tags[k], list) for k in ("operators", "investors", "countries",
                                                    "cities"))
    assert tags["capacity_mw"] is None or tags["capacity_mw"] > 0


def test_mentions_say_why(tagger):
    (tags, mentions), = tagger.tag_many([(UNKNOWN_EN, "", "en")])
    fields = {m.field for m in mentions}
    assert {"operators", "investors", "countries", "capacity_mw"} <= fields
    operator = next(m for m in mentions if m.field == "operators")
    assert "Zorvanta Digital" in operator.sentence and 0 < operator.confidence <= 1
