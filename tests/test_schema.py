"""Type detection, missing values and codes, and the user's overrides."""

from __future__ import annotations

import re

import numpy as np
import pytest

from py_engine.dataset import from_raw, to_csv_bytes, to_text
from py_engine.errors import EngineError
from py_engine.reading import read_table
from py_engine.schema import infer_schema


def schema_of(text: str, overrides=None, **kw):
    raw = read_table(text.encode("utf-8"), **kw)
    return raw, infer_schema(raw, overrides)


def types(schema):
    return {c.name: c.type for c in schema.columns}


def test_basic_types():
    rows = ["id,age,income,city,member,born,seen"]
    for i in range(30):
        rows.append(f"{i + 1},{20 + (i * 7) % 40},{1000.5 + i * 3.25:.2f},{['Ede', 'Oss', 'Epe'][i % 3]},"
                    f"{['yes', 'no'][i % 2]},19{50 + i}-0{1 + i % 9}-1{i % 10},2020-01-0{1 + i % 9} 1{i % 10}:30:00")
    _, s = schema_of("\n".join(rows))
    assert types(s) == {"id": "identifier", "age": "integer", "income": "numeric", "city": "categorical",
                        "member": "boolean", "born": "date", "seen": "datetime"}
    assert s["income"].decimals == 2
    assert s["born"].date_format == "%Y-%m-%d"
    assert s["seen"].date_format == "%Y-%m-%d %H:%M:%S"
    assert s["member"].labels == ["no", "yes"]
    assert s["id"].exclude and s["id"].reason == "identifier"


@pytest.mark.parametrize("values,fmt", [
    (["31-12-2019", "01-02-2020", "15-06-2021"], "%d-%m-%Y"),
    (["31/12/2019", "01/02/2020", "15/06/2021"], "%d/%m/%Y"),
    (["12/31/2019", "02/01/2020", "06/15/2021"], "%m/%d/%Y"),
    (["31.12.2019", "01.02.2020", "15.06.2021"], "%d.%m.%Y"),
])
def test_date_formats(values, fmt):
    _, s = schema_of("d,x\n" + "\n".join(f"{v},{i}" for i, v in enumerate(values * 5)))
    assert s["d"].type == "date" and s["d"].date_format == fmt


def test_missing_tokens_and_declared_codes(real_data):
    raw = read_table((real_data / "psid.csv").read_bytes())
    s = infer_schema(raw, {"kids": {"missing_codes": ["99"]}, "educatn": {"missing_codes": ["99"]}})
    assert s["kids"].type == "integer" and s["kids"].missing_count == 45
    assert s["kids"].missing_codes == ["99"]
    # '99.0' in a float-written column matches the declared code 99
    assert s["educatn"].missing_count == 217
    ds = from_raw(raw, s)
    assert np.nanmax(ds.values["kids"]) < 99
    assert (ds.missing["kids"].astype(object) == "99").sum() == 45
    # written back, the codes are still there
    text = to_text(ds)
    assert (text["kids"] == "99").sum() == 45


def test_na_like_tokens_are_missing():
    _, s = schema_of("x,y\n1,a\nNA,b\n3,?\n4,\n5,a\n")
    assert s["x"].type == "integer" and s["x"].missing_count == 1 and s["x"].na_tokens == ["NA"]
    assert s["y"].missing_count == 2


def test_leading_zeros_are_kept_as_text():
    _, s = schema_of("postcode,n\n" + "\n".join(f"0{1000 + i % 7},{i}" for i in range(30)))
    assert s["postcode"].type == "categorical"


def test_free_text_and_identifier_like_strings_are_excluded_by_default():
    rows = ["code,remark,group"]
    for i in range(40):
        rows.append(f"AB{i:04d}X,the customer called on day {i} about a late delivery of parcel {i},{'g' + str(i % 3)}")
    _, s = schema_of("\n".join(rows))
    assert (s["code"].type, s["code"].reason) == ("identifier", "identifier")
    assert (s["remark"].type, s["remark"].reason) == ("text", "free_text")
    assert s["group"].type == "categorical" and not s["group"].exclude


def test_id_named_integer_with_some_repeats_is_an_identifier(real_data):
    raw = read_table((real_data / "covid_testing_nl.csv").read_bytes())
    s = infer_schema(raw)
    assert s["subject_id"].type == "identifier"
    assert s["age"].type == "numeric" and s["age"].decimals == 1
    assert s["payor_group"].missing_count == 7087


def test_high_cardinality_is_flagged(real_data):
    raw = read_table((real_data / "restaurant_inspections.csv").read_bytes())
    s = infer_schema(raw)
    assert s["business_name"].type == "categorical" and s["business_name"].high_cardinality
    assert s["business_name"].n_distinct == 1468


def test_all_missing_column_is_excluded_with_a_reason():
    _, s = schema_of("a,b\n1,\n2,\n3,NA\n")
    assert s["b"].exclude and s["b"].reason == "all_missing"


def test_overrides_change_type_and_inclusion():
    raw, s = schema_of("grade,score\n1,3.5\n2,4\n3,4.5\n1,2\n")
    assert s["grade"].type == "integer"
    s2 = infer_schema(raw, {"grade": {"type": "categorical"}, "score": {"exclude": True}})
    assert s2["grade"].type == "categorical" and s2["grade"].detected_type == "integer"
    assert s2["score"].exclude and s2["score"].reason == "user"
    ds = from_raw(raw, s2)
    assert list(ds.columns) == ["grade"]
    assert str(ds.values["grade"].dtype) == "category"


def test_impossible_overrides_are_refused_naming_the_column():
    raw, _ = schema_of("a,b\nx,1.5\ny,2\n")
    with pytest.raises(EngineError) as exc:
        infer_schema(raw, {"a": {"type": "numeric"}})
    assert exc.value.code == "schema.not_numbers" and exc.value.column == "a"
    with pytest.raises(EngineError) as exc:
        infer_schema(raw, {"b": {"type": "integer"}})
    assert exc.value.code == "schema.not_integers"
    with pytest.raises(EngineError) as exc:
        infer_schema(raw, {"nope": {"exclude": True}})
    assert exc.value.code == "schema.unknown_column"


def test_declaring_codes_makes_a_mixed_column_numeric():
    raw, s = schema_of("inc\n100\n-8\n250\nweet niet\n300\n")
    assert s["inc"].type == "categorical"
    s2 = infer_schema(raw, {"inc": {"missing_codes": ["-8", "weet niet"]}})
    assert s2["inc"].type == "integer" and s2["inc"].missing_count == 2


@pytest.mark.parametrize("name", ["adult.csv", "credit.csv", "cps1988.csv", "covid_testing_nl.csv", "psid.csv",
                                  "seattlepets_sample.tsv"])
def test_real_tables_round_trip_through_the_dataset(real_data, name):
    """Typed values written back in the original format give the original cells."""
    raw = read_table((real_data / name).read_bytes(), name)
    s = infer_schema(raw)
    for c in s.columns:  # include everything, so every column goes through conversion
        c.exclude = False
        if c.type in ("identifier", "text"):
            c.type = "categorical"
    ds = from_raw(raw, s)
    back = to_text(ds)
    for col in raw.frame.columns:
        orig, new = raw.frame[col].to_numpy(), back[col].to_numpy()
        same = (orig == new).mean()
        assert same == 1.0, (col, [(a, b) for a, b in zip(orig, new, strict=True) if a != b][:3])
    out = to_csv_bytes(ds)
    assert read_table(out).frame.shape == raw.frame.shape


# ---------------------------------------------------------------- number formats, codes, code-like integers

DUTCH = ("bedrag;prijs;aandeel;aantal\r\n1.234,56;€ 12,50;12%;1.234\r\n980,25;€ 1.200,00;7%;12\r\n"
         "-2.000,00;-€ 3,00;100%;999\r\n12.345.678,90;€ 0,99;0%;2.500\r\n")


def test_dutch_number_formats_read_as_numbers_and_written_back_byte_for_byte():
    data = DUTCH.encode("cp1252")  # € is byte 0x80 in Windows-1252
    assert b"\x80" in data
    raw = read_table(data)
    assert (raw.dialect.delimiter, raw.dialect.decimal, raw.dialect.encoding) == (";", ",", "cp1252")
    s = infer_schema(raw)
    assert types(s) == {"bedrag": "numeric", "prijs": "numeric", "aandeel": "integer", "aantal": "integer"}
    ds = from_raw(raw, s)
    assert ds.values["bedrag"].tolist() == [1234.56, 980.25, -2000.0, 12345678.9]
    assert ds.values["prijs"].tolist() == [12.5, 1200.0, -3.0, 0.99]
    assert ds.values["aandeel"].tolist() == [12, 7, 100, 0]  # percent points
    assert ds.values["aantal"].tolist() == [1234, 12, 999, 2500]
    assert s["prijs"].number_format["prefix"] == "€ " and s["aandeel"].number_format["suffix"] == "%"
    assert to_csv_bytes(ds) == data
    # standard CSV (and the JSON document) get plain numbers
    std = to_csv_bytes(ds, "standard").decode("utf-8")
    assert "1234.56,12.50,12,1234" in std and "€" not in std and "%" not in std


def test_english_number_formats_round_trip():
    text = ('amount,price,rate\n"1,234.56","$1,200",12.5%\n980.25,$12,7.0%\n"-2,000.00",-$3,100.0%\n'
            '"1,000,000.00",$0,0.5%\n')
    raw, s = schema_of(text)
    assert raw.dialect.decimal == "."
    ds = from_raw(raw, s)
    assert ds.values["amount"].tolist() == [1234.56, 980.25, -2000.0, 1e6]
    assert ds.values["price"].tolist() == [1200, 12, -3, 0] and s["price"].type == "integer"
    assert ds.values["rate"].tolist() == [12.5, 7.0, 100.0, 0.5]
    assert to_csv_bytes(ds) == text.encode()


def test_thousands_ambiguity():
    # "1.234" alone: with ';' (a Dutch export) a thousands point; with ',' as delimiter three decimals
    _, s = schema_of("x;y\n1.234;a\n2.500;b\n13.000;c\n")
    assert s["x"].type == "integer"
    _, s = schema_of('x,y\n1.234,a\n2.500,b\n13.000,c\n')
    assert s["x"].type == "numeric" and s["x"].decimals == 3
    # a decimal comma elsewhere in the file decides: thousands point
    raw, s = schema_of("x;y\n1.234;2,5\n2.500;3,25\n13.000;1,0\n")
    assert raw.dialect.decimal == "," and from_raw(raw, s).values["x"].tolist() == [1234, 2500, 13000]
    # a decimal point elsewhere decides the other way
    raw, s = schema_of("x;y\n1.234;2.5\n2.500;3.25\n13.000;1.0\n")
    assert raw.dialect.decimal == "." and from_raw(raw, s).values["x"].tolist() == [1.234, 2.5, 13.0]
    # mixed currency signs are no number format
    _, s = schema_of("p\n€ 5\n$ 6\n€ 7\n")
    assert s["p"].type == "categorical"


def _codes(col):
    return {x["value"]: x["code"] for x in col.suggestions if x["kind"] == "missing_code"}


def coded_table(n=300, seed=0):
    rng = np.random.default_rng(seed)
    temp = np.round(rng.normal(4, 6, n)).astype(int)  # -1 is an ordinary temperature
    score = rng.integers(200, 800, n)
    score[rng.random(n) < 0.1] = -9
    kids = rng.integers(0, 6, n)
    kids[:7] = 99
    rows = ["temp,score,kids,income"] + [f"{a},{b},{c},{d}" for a, b, c, d in
                                         zip(temp, score, kids, rng.integers(0, 90000, n), strict=True)]
    return "\n".join(rows) + "\n", temp


def test_likely_missing_codes_are_suggested_with_a_reason_and_no_false_alarm():
    text, temp = coded_table()
    assert (temp == -1).sum() >= 5 and temp.min() < -1  # -1 inside the range of the temperatures
    raw, s = schema_of(text)
    assert _codes(s["score"]) == {"-9": "code_below"} and s["score"].suggestions[0]["params"]["lo"] == str(
        min(int(ln.split(",")[1]) for ln in text.split("\n")[1:-1] if ln.split(",")[1] != "-9"))
    assert _codes(s["kids"]) == {"99": "code_above"}
    assert _codes(s["temp"]) == {} and _codes(s["income"]) == {}
    assert not any(x["applied"] for x in s["score"].suggestions)  # suggested, not applied
    # declared, the suggestion stays listed as applied
    s2 = infer_schema(raw, {"score": {"missing_codes": ["-9"]}})
    assert s2["score"].suggestions[0]["applied"]
    assert s2["score"].missing_count == sum(ln.split(",")[1] == "-9" for ln in text.split("\n")[1:-1])


def test_missing_codes_on_real_tables(real_data):
    s = infer_schema(read_table((real_data / "psid.csv").read_bytes()))
    assert set(_codes(s["kids"])) == {"98", "99"} and set(_codes(s["educatn"])) == {"98.0", "99.0"}
    # experience = age - schooling - 6 runs from -4 to 63: a tail, no codes
    s = infer_schema(read_table((real_data / "cps1988.csv").read_bytes()))
    assert all(not c.suggestions for c in s.columns)


def test_codes_for_all_numeric_columns_at_once():
    text, _ = coded_table()
    text = text.replace("temp,", "city,temp,", 1)
    lines = text.split("\n")
    text = "\n".join([lines[0]] + [("-9," if i % 2 else "Ede,") + ln for i, ln in enumerate(lines[1:-1])]) + "\n"
    raw = read_table(text.encode())
    s = infer_schema(raw, {"kids": {"missing_codes": ["99"]}}, all_missing_codes=["-9"])
    assert s["score"].missing_codes == ["-9"] and s["score"].shared_codes == ["-9"]
    assert s["kids"].missing_codes == ["99"] and s["kids"].shared_codes == []  # kids has no -9
    assert s["city"].missing_codes == [] and s["city"].type == "categorical"  # not a numeric column
    assert s["temp"].missing_codes == (["-9"] if "-9" in raw.frame["temp"].tolist() else [])
    # a text code among numbers: the column is numeric once the code is out
    raw2, s2 = schema_of("inc,city\n100,Ede\n-8,weet niet\n250,Oss\nweet niet,Epe\n300,Ede\n")
    assert s2["inc"].type == "categorical"
    s2 = infer_schema(raw2, all_missing_codes=["-8", "weet niet"])
    assert s2["inc"].type == "integer" and s2["inc"].shared_codes == ["-8", "weet niet"]
    assert s2["city"].type == "categorical" and s2["city"].missing_codes == []
    # a column can opt out
    s = infer_schema(raw, {"score": {"all_missing_codes": False}}, all_missing_codes="-9")
    assert s["score"].missing_codes == [] and _codes(s["score"]) == {"-9": "code_below"}


def test_code_like_integers_are_categories_by_default_and_counts_stay_numbers():
    rng = np.random.default_rng(1)
    schools = rng.choice(np.arange(20001, 20400, 7), 500)
    rows = ["brin_nr,school,pupils_in_class,n_pupils,school_size,age,gemeente"]
    for i, sc in enumerate(schools):
        rows.append(f"{sc},{sc % 1000},{rng.integers(12, 31)},{rng.integers(100, 900)},"
                    f"{rng.integers(100, 2000)},{rng.integers(10, 19)},{300 + i % 40}")
    raw, s = schema_of("\n".join(rows))
    assert types(s) == {"brin_nr": "categorical", "school": "categorical", "pupils_in_class": "integer",
                        "n_pupils": "integer", "school_size": "integer", "age": "integer",
                        "gemeente": "categorical"}
    sug = s["school"].suggestions[0]
    assert (sug["kind"], sug["value"], sug["code"], sug["applied"]) == ("type", "categorical", "code_like", True)
    assert sug["params"]["count"] == s["school"].n_distinct
    # the easy way back: the type integer; the suggestion stays, not applied
    s2 = infer_schema(raw, {"school": {"type": "integer"}})
    assert s2["school"].type == "integer" and not s2["school"].suggestions[0]["applied"]
    ds = from_raw(raw, s)
    assert str(ds.values["school"].dtype) == "category"
    assert to_csv_bytes(ds) == "\n".join(rows).encode() + b"\n"


def test_every_suggestion_has_its_strings_in_both_languages():
    from py_engine.i18n import strings
    from py_engine.schema import SUGGESTION_CODES

    for lang in ("en", "nl"):
        assert [c for c in SUGGESTION_CODES if f"suggest.{c}" not in strings(lang)] == []


def test_synthetic_numbers_are_written_with_the_files_signs():
    from py_engine.synthesis import syn

    rng = np.random.default_rng(5)
    rows = ["prijs;aandeel;groep"] + [
        f"€ {v:,.2f};{p}%;{'ab'[i % 2]}".replace(",", "_").replace(".", ",").replace("_", ".")
        for i, (v, p) in enumerate(zip(rng.uniform(-50, 5000, 200), rng.integers(0, 101, 200), strict=True))]
    data = ("\n".join(rows) + "\n").encode("cp1252")
    raw = read_table(data)
    ds = from_raw(raw, infer_schema(raw))
    assert to_csv_bytes(ds) == data
    out = to_csv_bytes(syn(ds, {"method": "marginal", "seed": 1, "n_rows": 100}).synthetic).decode("cp1252")
    lines = out.splitlines()[1:]
    assert all(re.match(r"^€ -?\d{1,3}(\.\d{3})*,\d{2};\d{1,3}%;[ab]$", ln) for ln in lines), lines[:3]
