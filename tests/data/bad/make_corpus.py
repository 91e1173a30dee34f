"""Write the bad-input corpus (the files next to this script). Run: python tests/data/bad/make_corpus.py

Each file is a small real example of something users load by mistake; README.md says what each one
must give. The 100 MB file and the file with a 1 MB line are made at test time (tests/test_bad_input.py),
not committed.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def xlsx_bytes() -> bytes:
    """A real, minimal Excel workbook (Office Open XML), as Excel writes it: a zip of XML parts."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>age</t></is></c><c r="B1" t="inlineStr"><is><t>income</t></is></c></row>'
            '<row r="2"><c r="A2"><v>34</v></c><c r="B2"><v>2150.5</v></c></row>'
            '<row r="3"><c r="A3"><v>51</v></c><c r="B3"><v>3020</v></c></row>'
            "</sheetData></worksheet>"),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return buf.getvalue()


def corpus() -> dict[str, bytes]:
    rnd = random.Random(4)
    people = [(rnd.randint(18, 90), rnd.choice(["north", "south", "east", "west"]), rnd.randint(900, 6000))
              for _ in range(40)]
    rows = "".join(f"{a},{r},{i}\n" for a, r, i in people)
    ragged = "age,region,income\n" + "".join(f"{a},{r},{i}\n" for a, r, i in people[:6])
    ragged += "45,north,2100,extra,fields\n" + "".join(f"{a},{r},{i}\n" for a, r, i in people[6:])
    towns = ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere"]
    one_column = "municipality\n" + "".join(rnd.choice(towns) + "\n" for _ in range(40))
    all_missing = "age,remarks,region,income\n" + "".join(
        f"{a},{rnd.choice(['', 'NA', ''])},{r},{i}\n" for a, r, i in people)
    duplicate = "age,region,age,income\n" + "".join(f"{a},{r},{a + rnd.randint(0, 3)},{i}\n" for a, r, i in people)
    names = ["Zoë", "Renée", "Jürgen", "François", "Ángel", "Søren", "Chloé", "Noël"]
    cp1252 = "naam;woonplaats;inkomen;toeslag\n" + "".join(
        f"{rnd.choice(names)};{rnd.choice(towns)};{rnd.randint(900, 6000)},{rnd.randint(0, 99):02d};"
        f"€ {rnd.randint(0, 300)}\n" for _ in range(40))
    unclosed = "age,remark,income\n34,\"fine,2100\n51,ok,3020\n" + rows
    return {
        "empty.csv": b"",
        "header_only.csv": b"age,region,income\n",
        "binary.csv": bytes([0, 1, 2, 3]) + rnd.randbytes(4092),
        "ragged.csv": ragged.encode(),
        "one_column.csv": one_column.encode(),
        "all_missing_column.csv": all_missing.encode(),
        "duplicate_names.csv": duplicate.encode(),
        "windows_1252.csv": cp1252.encode("cp1252"),
        "really_excel.csv": xlsx_bytes(),
        "unclosed_quote.csv": unclosed.encode(),
    }


def main() -> None:
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
