"""Type detection, missing values and codes, and the user's overrides."""

from __future__ import annotations

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
