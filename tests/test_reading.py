"""Reading CSV files as users have them: encodings, delimiters, decimal commas, quotes, broken files."""

from __future__ import annotations

import codecs

import pytest
from conftest import REAL

from py_engine.errors import EngineError
from py_engine.reading import detect_encoding, read_table, sniff_decimal, sniff_delimiter


def read(text: str | bytes, **kw):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_table(data, **kw)


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiters_are_detected(delim):
    rows = [["naam", "leeftijd", "stad"], ["Anna", "34", "Utrecht"], ["Bram", "41", "Zwolle"], ["Cor", "", "Delft"]]
    raw = read("\n".join(delim.join(r) for r in rows) + "\n")
    assert raw.dialect.delimiter == delim
    assert list(raw.frame.columns) == ["naam", "leeftijd", "stad"]
    assert raw.frame["leeftijd"].tolist() == ["34", "41", ""]


def test_decimal_comma_with_semicolons_is_detected():
    raw = read("id;inkomen;score\n1;1.234,50;7,5\n2;980,25;6,0\n3;2.000,00;8,25\n")
    assert raw.dialect.delimiter == ";" and raw.dialect.decimal == ","
    assert sniff_decimal("a;b\n1,5;2\n", ";") == ","
    assert sniff_decimal("a;b\n1.5;2\n", ";") == "."


def test_real_dutch_style_export(real_data):
    raw = read_table((real_data / "covid_testing_nl.csv").read_bytes())
    assert (raw.dialect.delimiter, raw.dialect.decimal) == (";", ",")
    assert raw.n_rows == 15524 and raw.frame.shape[1] == 17


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                               ("cp1252", "cp1252"), ("utf-16", "utf-16")])
def test_encodings(encoding, expected):
    text = "plaats;prijs\nÉtten-Leur;€ 5\nCuraçao;12\nOss;3\n"
    raw = read(text.encode(encoding))
    assert raw.dialect.encoding == expected
    assert raw.frame["plaats"].tolist() == ["Étten-Leur", "Curaçao", "Oss"]
    assert list(raw.frame.columns) == ["plaats", "prijs"], "a BOM must not end up in the first name"


def test_latin1_bytes_that_cp1252_cannot_decode():
    data = "a,b\nx\x81y,1\n".encode("latin-1")
    assert detect_encoding(data) == "latin-1"
    assert read(data).frame["a"].tolist() == ["x\x81y"]


def test_quoted_fields_with_delimiters_newlines_and_quotes():
    raw = read('naam,opmerking\n"Jansen, P.","zei ""hallo""\nen ging"\nKees,gewoon\n')
    assert raw.frame["naam"].tolist() == ["Jansen, P.", "Kees"]
    assert raw.frame["opmerking"].tolist()[0] == 'zei "hallo"\nen ging'


def test_blank_lines_crlf_and_trailing_delimiters():
    raw = read("a;b;\r\n1;2;\r\n\r\n3;4;\r\n;;\r\n")
    assert list(raw.frame.columns) == ["a", "b"]
    assert raw.n_rows == 2
    assert raw.dialect.line_terminator == "\r\n"


def test_whitespace_around_cells_is_stripped():
    raw = read("a, b\n 1 , x \n2,y\n")
    assert list(raw.frame.columns) == ["a", "b"]
    assert raw.frame["b"].tolist() == ["x", "y"]


def test_duplicate_and_blank_column_names_are_renamed_with_a_notice():
    raw = read("age,age,,age\n1,2,3,4\n5,6,7,8\n")
    assert list(raw.frame.columns) == ["age", "age_2", "column_3", "age_3"]
    codes = [w["code"] for w in raw.warnings]
    assert codes.count("read.duplicate_name") == 2


def test_headerless_numeric_file_gets_names_and_keeps_first_row():
    raw = read("1,2,3\n4,5,6\n")
    assert list(raw.frame.columns) == ["column_1", "column_2", "column_3"]
    assert raw.n_rows == 2
    assert any(w["code"] == "read.no_header" for w in raw.warnings)


def test_one_column_file_reads_with_a_notice():
    raw = read("score\n1\n2\n3\n")
    assert raw.frame.shape == (3, 1)
    assert any(w["code"] == "read.one_column" for w in raw.warnings)


@pytest.mark.parametrize("content,code", [
    (b"", "read.empty_file"),
    (b"   \n\n", "read.empty_file"),
    (b"a,b,c\n", "read.no_rows"),
    (b"a,b\n1,2\n3,4,5\n", "read.ragged"),
    (b'a,b\n1,"open\n2,3\n', "read.unclosed_quote"),
    (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml xl/workbook.xml", "read.not_csv_excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "read.not_csv_excel"),
    (b"\x1f\x8b\x08\x00rest", "read.not_csv_gzip"),
    (b"%PDF-1.7\n...", "read.not_csv_pdf"),
    (b"a,b\n\x00\x01\x02\x03,\x04\x05\n" * 10, "read.binary"),
])
def test_unreadable_files_give_a_coded_error(content, code):
    with pytest.raises(EngineError) as exc:
        read(content)
    assert exc.value.code == code
    assert exc.value.kind == "input"
    # every code has a message in both languages
    assert exc.value.message("en") != "errors." + code
    assert exc.value.message("nl") != exc.value.message("en")


def test_ragged_error_names_the_line():
    with pytest.raises(EngineError) as exc:
        read("a,b\n1,2\n3,4\n5,6,7\n")
    assert exc.value.params["line"] == 4
    assert "Line 4" in str(exc.value)


def test_too_large_is_refused_before_parsing():
    with pytest.raises(EngineError) as exc:
        read(b"a,b\n" + b"1,2\n" * 1000, max_bytes=1000)
    assert exc.value.code == "read.too_large"


def test_user_choices_override_detection_and_are_checked():
    raw = read("a;b\n1,5;2\n", delimiter=";", decimal=".")
    assert raw.dialect.decimal == "."
    with pytest.raises(EngineError) as exc:
        read("a,b\n1,2\n", delimiter=",", decimal=",")
    assert exc.value.code == "read.decimal_is_delimiter"
    with pytest.raises(EngineError) as exc:
        read("a,b\né,2\n".encode("cp1252"), encoding="utf-8")
    assert exc.value.code == "read.wrong_encoding" and exc.value.params["line"] == 2


def test_sniffing_ignores_delimiters_inside_quotes():
    text = 'naam;adres\n"Jansen";"Dorpsstraat 1, Ede"\n"Pietersen";"Markt 2, Oss"\n'
    assert sniff_delimiter(text) == ";"


def test_all_real_tables_read(real_data):
    expected = {"adult.csv": (48842, 15), "cps1988.csv": (28155, 7), "credit.csv": (4454, 14),
                "wage.csv": (3000, 9), "psid.csv": (4856, 8), "seattlepets_sample.tsv": (6000, 7),
                "restaurant_inspections.csv": (10000, 5)}
    for name, shape in expected.items():
        raw = read_table((real_data / name).read_bytes(), name)
        assert raw.frame.shape == shape, name


def test_bom_is_not_part_of_the_data():
    raw = read(codecs.BOM_UTF8 + b"id,x\n1,2\n")
    assert list(raw.frame.columns) == ["id", "x"]
    assert REAL.exists()


@pytest.mark.parametrize("sample,want", [
    ("a;b\n1.234;2\n5.678;3\n", ","),  # ambiguous only: a ';' file has a decimal comma
    ("a|b\n1.234|2\n5.678|3\n", "."),  # ... any other a decimal point
    ("a;b\n1.234.567;2\n", ","), ("a;b\n1,234,567;2\n", "."),  # groups of three twice: thousands
    ("a;b\n€ 12,50;2\n€ 3,99;1\n", ","), ("a;b\n12.5%;2\n7.25%;1\n", "."),  # signs taken off first
    ("a;b\n1.234;2,5\n", ","), ("a;b\n1,234;2.5\n", "."),
])
def test_decimal_sign_with_thousands_currency_and_percent(sample, want):
    assert sniff_decimal(sample, sample[1]) == want
