"""Input readers: formats, field detection, encodings, and every kind of bad input ending as one InputError."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import os
import re
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from extractor.errors import InputFileError
from extractor.ingest import InputError, ItemReader, ReadOptions, detect_encoding, open_readers
from extractor.schema import FeedbackItem

POLISH = "Zażółć gęślą jaźń"


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return str(path)


def read_all(path: str, **options: object) -> tuple[list[FeedbackItem], list[InputError]]:
    items, errors = [], []
    for result in ItemReader(path, ReadOptions(**options)):
        (items if isinstance(result, FeedbackItem) else errors).append(result)
    return items, errors


def read_counted(path: str, rows: int, **options: object) -> tuple[list[FeedbackItem], list[InputError]]:
    """Read and check that every row written ended as exactly one item or one error."""
    items, errors = read_all(path, **options)
    assert len(items) + len(errors) == rows, (items, errors)
    return items, errors


def blake(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def jsonl(*records: object) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


# -- formats and fields ----------------------------------------------------------------------------


def test_jsonl_auto_fields(tmp_path):
    path = write(
        tmp_path,
        "a.jsonl",
        jsonl(
            {
                "id": 7,
                "text": "Late flight",
                "user_id": "u1",
                "created_at": "2024-05-01",
                "channel": "Twitter",
                "lang": "en-US",
            },
            {"id": "r2", "text": "Paczka szła 2 tygodnie", "channel": "marketplace_review", "lang": "pl"},
        )
        + "\n   \n"
        + jsonl({"text": "no id here", "channel": "carrier pigeon", "lang": "English"}),
    )
    reader = ItemReader(path, ReadOptions(default_source="survey"))
    assert reader.format == "jsonl"
    assert reader.fields == {
        "text": "text",
        "id": "id",
        "customer": "user_id",
        "time": "created_at",
        "source": "channel",
        "lang": "lang",
        "segment": None,
    }
    items = list(reader)
    assert [i.item_id for i in items] == ["7", "r2", blake("no id here")]
    assert items[0].model_dump() == {
        "item_id": "7", "text": "Late flight", "source": "social", "lang": "en", "customer_id": "u1",
        "created_at": "2024-05-01", "segment": None, "origin": f"{path}:1",
    }  # fmt: skip
    assert (items[1].source, items[1].lang, items[1].origin) == ("review", "pl", f"{path}:2")
    # an unknown source falls back to the default; a language name is not a code
    assert (items[2].source, items[2].lang, items[2].origin) == ("survey", None, f"{path}:5")
    assert reader.bytes_read == reader.size == Path(path).stat().st_size


def test_jsonl_explicit_fields_with_dotted_paths(tmp_path):
    path = write(
        tmp_path,
        "a.ndjson",
        jsonl(
            {
                "id": "x",
                "body": "ignored",
                "msg": {"content": "Refund never came"},
                "meta": {"created": 1716000000, "channel": "email"},
                "who": {"id": 42},
            },
            {"msg": {"content": "Second"}, "meta": {"channel": "nps"}},
        ),
    )
    options = {
        "text_field": "msg.content",
        "time_field": "meta.created",
        "source_field": "meta.channel",
        "customer_field": "who.id",
    }
    items, errors = read_counted(path, 2, **options)
    assert errors == []
    assert [(i.text, i.source, i.created_at, i.customer_id) for i in items] == [
        ("Refund never came", "ticket", "1716000000", "42"),
        ("Second", "survey", None, None),
    ]
    assert ItemReader(path, ReadOptions(**options)).fields["text"] == "msg.content"


def test_json_list_with_exact_start_lines(tmp_path):
    records = [{"review": "Great", "nr": 1}, {"review": "Line\nbreak inside", "nr": 2}, {"review": "Third", "nr": 3}]
    path = write(tmp_path, "a.json", json.dumps(records, indent=2, ensure_ascii=False))
    items, _ = read_counted(path, 3)
    assert [i.text for i in items] == ["Great", "Line\nbreak inside", "Third"]
    assert [i.item_id for i in items] == ["1", "2", "3"]
    assert [i.origin for i in items] == [f"{path}:2", f"{path}:6", f"{path}:10"]


def test_json_object_holding_a_list_and_explicit_dotted_field(tmp_path):
    data = {"exported": "2024-01-01", "count": 2, "reviews": [
        {"opinia": {"tresc": "Szybka wysyłka"}, "data": {"d": "2024-01-02"}},
        {"opinia": {"tresc": "Zły kontakt"}, "data": {"d": "2024-01-03"}},
    ], "tags": ["a", "b"]}  # fmt: skip
    path = write(tmp_path, "a.json", json.dumps(data, ensure_ascii=False))
    items, _ = read_counted(path, 2, text_field="opinia.tresc", time_field="data.d")
    assert [(i.text, i.created_at) for i in items] == [("Szybka wysyłka", "2024-01-02"), ("Zły kontakt", "2024-01-03")]


def test_json_single_object_and_concatenated_objects_are_items(tmp_path):
    single = write(tmp_path, "one.json", '{"text": "Just one", "id": "only"}')
    assert [i.item_id for i in read_counted(single, 1)[0]] == ["only"]
    lines = write(tmp_path, "lines.json", jsonl({"text": "a"}, {"text": "b"}))
    assert [(i.text, i.origin[-1]) for i in read_counted(lines, 2)[0]] == [("a", "1"), ("b", "2")]


def test_json_entries_that_are_not_objects(tmp_path):
    path = write(tmp_path, "a.json", '[{"text": "ok"}, 5, "loose", [1]]')
    items, errors = read_counted(path, 4)
    assert [e.reason for e in errors] == [
        "list entry is a number, not an object",
        "list entry is a string, not an object",
        "list entry is a list, not an object",
    ]


def test_csv_auto_fields_multiline_records_and_line_numbers(tmp_path):
    content = (
        "Review_ID,Author,Comment,Date,Channel\r\n"
        '1,ann,"Great, fast delivery",2024-01-01,review\r\n'
        '2,bob,"Two\r\nline\r\nreview",2024-01-02,Helpdesk\r\n'
        "\r\n"
        "3,cat,Plain,2024-01-03,\r\n"
    )
    path = write(tmp_path, "a.csv", content)
    reader = ItemReader(path, ReadOptions())
    assert reader.fields == {
        "text": "Comment",
        "id": "Review_ID",
        "customer": "Author",
        "time": "Date",
        "source": "Channel",
        "lang": None,
        "segment": None,
    }
    items = list(reader)
    assert len(items) == 3
    assert [i.text for i in items] == ["Great, fast delivery", "Two\r\nline\r\nreview", "Plain"]
    assert [i.origin.rsplit(":", 1)[1] for i in items] == ["2", "3", "7"]
    assert [i.source for i in items] == ["review", "ticket", "other"]
    assert items[2].customer_id == "cat"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_sniffs_delimiter(tmp_path, delimiter):
    rows = ["id", "tresc", "klient"], ["1", "Dobra, szybka obsługa", "k1"], ["2", "Słabo", "k2"]
    path = write(tmp_path, "a.csv", "".join(delimiter.join(row) + "\n" for row in rows))
    items, _ = read_counted(path, 2)
    assert [(i.item_id, i.text, i.customer_id) for i in items] == [
        ("1", "Dobra, szybka obsługa", "k1"),
        ("2", "Słabo", "k2"),
    ]


def test_tsv_and_excel_sep_line(tmp_path):
    tsv = write(tmp_path, "a.tsv", "text\tid\nhello, world\t9\n")
    assert [(i.text, i.item_id) for i in read_counted(tsv, 1)[0]] == [("hello, world", "9")]
    excel = write(tmp_path, "b.csv", "sep=;\ntext;id\nhej;1\n")
    items, _ = read_counted(excel, 1)
    assert (items[0].text, items[0].origin) == ("hej", f"{excel}:3")


def test_csv_explicit_fields_short_and_long_rows(tmp_path):
    content = "a,b,c\nx1,hello,c1\nx2\nx3,text,c3,extra\nx4,ok,c4,,\n"
    path = write(tmp_path, "a.csv", content)
    items, errors = read_counted(path, 4, text_field="b", id_field="A", customer_field="c")
    assert [(i.item_id, i.text, i.customer_id) for i in items] == [("x1", "hello", "c1"), ("x4", "ok", "c4")]
    assert [(e.line, e.item_id) for e in errors] == [(3, "x2"), (4, None)]
    assert errors[0].reason == "text field 'b' is missing"
    assert "4 fields but the header has 3 columns" in errors[1].reason


def test_csv_duplicate_header_names_keep_the_first(tmp_path):
    path = write(tmp_path, "a.csv", "text,text,id\nfirst,second,1\n")
    reader = ItemReader(path, ReadOptions())
    assert [i.text for i in reader] == ["first"]


def test_txt_one_item_per_line(tmp_path):
    path = write(tmp_path, "a.txt", "first line  \r\n\r\n   \nsecond\twith tab\nlast without newline")
    items, _ = read_counted(path, 3)
    assert [i.text for i in items] == ["first line  ", "second\twith tab", "last without newline"]
    assert [i.origin.rsplit(":", 1)[1] for i in items] == ["1", "4", "5"]
    assert items[0].item_id == blake("first line  ")
    assert {i.source for i in items} == {"other"}


def test_stable_ids_across_formats(tmp_path):
    text = "Kurier zgubił paczkę"
    from_txt = read_all(write(tmp_path, "a.txt", text + "\n"))[0][0]
    from_jsonl = read_all(write(tmp_path, "a.jsonl", jsonl({"text": text})))[0][0]
    from_csv = read_all(write(tmp_path, "a.csv", f"text\n{text}\n"))[0][0]
    assert from_txt.item_id == from_jsonl.item_id == from_csv.item_id == blake(text)
    with_id = read_all(write(tmp_path, "b.jsonl", jsonl({"text": text, "ticket_id": " T-1 "})))[0][0]
    assert with_id.item_id == "T-1"


# -- stdin ---------------------------------------------------------------------------------------


def fake_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))


@pytest.mark.parametrize(
    ("data", "fmt", "texts"),
    [
        (b'  {"text": "a"}\n{"text": "b"}\n', "jsonl", ["a", "b"]),
        (b'\n[{"text": "a"},\n {"text": "b"}]', "json", ["a", "b"]),
        (b'{\n  "items": [{"text": "a"}]\n}\n', "json", ["a"]),
        ("plain line\nsecond line ż\n".encode(), "txt", ["plain line", "second line ż"]),
    ],
)
def test_stdin_sniffs_format(monkeypatch, data, fmt, texts):
    fake_stdin(monkeypatch, data)
    reader = ItemReader("-", ReadOptions())
    assert (reader.format, reader.size, reader.path) == (fmt, None, "-")
    items = list(reader)
    assert [i.text for i in items] == texts
    assert items[0].origin.startswith("<stdin>:")
    assert reader.bytes_read == len(data)


def test_stdin_honours_format_option_and_reports_errors_as_stdin(monkeypatch):
    fake_stdin(monkeypatch, b'text;id\nhej;1\n"broken;2\n')
    items, errors = [], []
    for result in ItemReader("-", ReadOptions(format="csv")):
        (items if isinstance(result, FeedbackItem) else errors).append(result)
    assert [i.text for i in items] == ["hej"]
    assert [(e.file, e.line) for e in errors] == [("<stdin>", 3)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_read_once_like_stdin(tmp_path):
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    payload = jsonl({"text": "through a pipe"}, {"text": "second"}).encode()

    def feed() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(payload)

    writer = threading.Thread(target=feed)
    writer.start()
    reader = ItemReader(str(fifo), ReadOptions())
    items = list(reader)
    writer.join()
    assert (reader.format, reader.size) == ("jsonl", None)
    assert [i.text for i in items] == ["through a pipe", "second"]


def test_stdin_empty(monkeypatch):
    fake_stdin(monkeypatch, b"")
    assert list(ItemReader("-", ReadOptions())) == [InputError("<stdin>", None, "file is empty")]


# -- encodings -------------------------------------------------------------------------------------


def test_utf8_and_utf8_bom(tmp_path):
    plain = write(tmp_path, "a.csv", f"id,text\n1,{POLISH}\n")
    bom = write(tmp_path, "b.csv", codecs.BOM_UTF8 + f"id,text\n1,{POLISH}\n".encode())
    for path, encoding in ((plain, "utf-8"), (bom, "utf-8-sig")):
        reader = ItemReader(path, ReadOptions())
        assert reader.encoding == encoding
        assert reader.fields["id"] == "id"  # the BOM is not part of the first column's name
        assert [(i.item_id, i.text) for i in reader] == [("1", POLISH)]
    forced = ItemReader(bom, ReadOptions(encoding="utf-8"))
    assert [i.item_id for i in forced] == ["1"]


def test_cp1250_csv_with_polish_letters(tmp_path):
    texts = [POLISH, "Paczka przyszła uszkodzona, ŚWIĘTA zepsute", "Źle, żółw by szybciej dowiózł; ŁÓDŹ"]
    content = "id;opinia;źródło\n" + "".join(f'{n};"{t}";opinia\n' for n, t in enumerate(texts, 1))
    path = write(tmp_path, "export.csv", content, encoding="cp1250")
    reader = ItemReader(path, ReadOptions())
    assert reader.encoding == "cp1250"
    assert reader.fields["source"] == "źródło"
    items = list(reader)
    assert [i.text for i in items] == texts
    assert {i.source for i in items} == {"review"}


def test_iso_8859_2_and_latin1(tmp_path):
    polish = write(tmp_path, "a.txt", "Ślęczę nad źle wysłaną paczką; jaźń\n", encoding="iso-8859-2")
    reader = ItemReader(polish, ReadOptions())
    assert reader.encoding == "iso-8859-2"
    assert [i.text for i in reader] == ["Ślęczę nad źle wysłaną paczką; jaźń"]
    western = "Café très sûr, über günstig, à bientôt"
    path = write(tmp_path, "b.txt", western + "\n", encoding="latin-1")
    reader = ItemReader(path, ReadOptions())
    assert reader.encoding in ("cp1252", "latin-1")
    assert [i.text for i in reader] == [western]


def test_utf16_with_bom(tmp_path):
    path = write(tmp_path, "a.txt", "\ufeffpierwsza\r\nżółta druga\r\n", encoding="utf-16-le")
    reader = ItemReader(path, ReadOptions())
    assert reader.encoding == "utf-16"
    items, _ = read_counted(path, 2)
    assert [i.text for i in items] == ["pierwsza", "żółta druga"]


def test_utf16_without_bom(tmp_path):
    path = write(tmp_path, "a.jsonl", jsonl({"text": "bez BOM-u, żółw"}, {"text": "drugi"}), encoding="utf-16-le")
    reader = ItemReader(path, ReadOptions())
    assert reader.encoding == "utf-16-le"
    assert [i.text for i in reader] == ["bez BOM-u, żółw", "drugi"]


def test_long_line_split_inside_a_multibyte_character(tmp_path):
    text = "a" + "ż" * 3_000_000  # 6 MB on one line: decoded in pieces, one cut falls inside a character
    path = write(tmp_path, "a.txt", f"{text}\nnext\n")
    items, errors = read_counted(path, 2, max_chars=4_000_000)
    assert errors == [] and items[0].text == text and items[1].text == "next"


def test_utf8_file_with_one_cp1250_line(tmp_path):
    good = [f"{POLISH} {n}" for n in range(8)]
    raw = b"".join((line + "\n").encode() for line in good[:4])
    raw += f"{POLISH} w cp1250\n".encode("cp1250") + b"".join((line + "\n").encode() for line in good[4:])
    path = write(tmp_path, "a.txt", raw)
    assert ItemReader(path, ReadOptions()).encoding == "utf-8"
    items, errors = read_counted(path, 9)
    assert [i.text for i in items] == good
    assert errors == [InputError(path, 5, "not valid utf-8; pass --encoding cp1250 if this is a Windows export")]


def test_bad_bytes_after_the_detection_sample(tmp_path):
    lines = [jsonl({"text": f"review {n}"}) for n in range(3000)]  # ~60 KiB of ASCII, then a Windows line
    raw = "".join(lines).encode() + jsonl({"text": "zła paczka"}).encode("cp1250") + jsonl({"text": "end"}).encode()
    path = write(tmp_path, "a.jsonl", raw)
    items, errors = read_counted(path, 3002)
    assert [(e.line, e.reason.split(";")[0]) for e in errors] == [(3001, "not valid utf-8")]
    assert items[-1].text == "end"


def test_json_entry_with_bad_bytes_is_one_error(tmp_path):
    raw = '[{"text": "dobrze żółw"},\n{"text":\n'.encode() + '"źle"},\n'.encode("cp1250") + b'{"text": "ok"}]'
    path = write(tmp_path, "a.json", raw)
    items, errors = read_counted(path, 3)
    assert [i.text for i in items] == ["dobrze żółw", "ok"]
    assert [(e.line, e.reason.split(";")[0]) for e in errors] == [(2, "not valid utf-8")]


def test_csv_record_with_bad_bytes_is_one_error(tmp_path):
    raw = b"text,id\nok,1\n" + '"zły\nwiersz",2\n'.encode("cp1250") + "ąę,3\n".encode()
    path = write(tmp_path, "a.csv", raw)
    items, errors = read_counted(path, 3)
    assert [i.item_id for i in items] == ["1", "3"]
    assert [(e.line, e.reason.startswith("not valid utf-8")) for e in errors] == [(3, True)]


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (POLISH * 3, "cp1250", "cp1250"),
        (POLISH * 3, "iso-8859-2", "iso-8859-2"),
        ("Crème brûlée à la française, naïve façade über alles" * 2, "cp1252", "cp1252"),
        ("„Świetnie” – ale €100 za dużo", "cp1250", "cp1250"),
        (POLISH, "utf-8", "utf-8"),
    ],
)
def test_detect_encoding(text, encoding, expected):
    assert detect_encoding(text.encode(encoding)) == expected


def test_detect_encoding_tolerates_a_character_cut_at_the_sample_end():
    assert detect_encoding(("a" * 10 + "ż").encode()[:-1]) == "utf-8"
    assert detect_encoding(codecs.BOM_UTF8 + b"x") == "utf-8-sig"
    assert detect_encoding(codecs.BOM_UTF16_BE + "x".encode("utf-16-be")) == "utf-16"


def test_unknown_forced_encoding(tmp_path):
    path = write(tmp_path, "a.txt", "x\n")
    with pytest.raises(InputFileError, match="unknown encoding 'klingon'"):
        ItemReader(path, ReadOptions(encoding="klingon"))


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.jsonl", "a.json", "a.csv", "a.txt"])
def test_empty_file(tmp_path, name):
    path = write(tmp_path, name, b"")
    reader = ItemReader(path, ReadOptions())
    assert list(reader) == [InputError(path, None, "file is empty")]
    blank = write(tmp_path, "blank-" + name, "\n  \r\n")
    assert [e.line for e in ItemReader(blank, ReadOptions())] == [None]


@pytest.mark.parametrize("name", ["a.jsonl", "a.csv", "a.txt"])
def test_binary_file(tmp_path, name):
    path = write(tmp_path, name, b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4)
    results = list(ItemReader(path, ReadOptions()))
    assert results == [InputError(path, None, "file is binary (NUL bytes); not a text export")]


def test_csv_broken_quote_in_the_middle(tmp_path):
    content = (
        "id,text,customer\n"
        '1,"fine, quoted",c1\n'
        '2,"broken quote never closed,c2\n'
        "3,after the break,c3\n"
        '4,"multi\nline",c4\n'
        "5,last,c5\n"
    )
    path = write(tmp_path, "a.csv", content)
    items, errors = read_counted(path, 5)
    assert [(i.item_id, i.text, i.origin.rsplit(":", 1)[1]) for i in items] == [
        ("1", "fine, quoted", "2"),
        ("3", "after the break", "4"),
        ("4", "multi\nline", "5"),
        ("5", "last", "7"),
    ]
    assert [e.line for e in errors] == [3]
    assert "quote" in errors[0].reason


def test_csv_unclosed_quote_at_the_end_rereads_following_lines(tmp_path):
    content = 'text,id\nfirst,1\n"never closed,2\nthird,3\nfourth,4\n'
    path = write(tmp_path, "a.csv", content)
    items, errors = read_counted(path, 4)
    assert [i.item_id for i in items] == ["1", "3", "4"]
    assert [e.line for e in errors] == [3]
    assert "not closed" in errors[0].reason


def test_csv_runaway_quote_is_bounded(tmp_path):
    rows = "".join(f"row {n},{n}\n" for n in range(10_000))  # 120 KB, past the 75 KB a record may span here
    path = write(tmp_path, "a.csv", 'text,id\n"runaway,0\n' + rows)
    items, errors = read_counted(path, 10_001, max_chars=1000)
    assert len(items) == 10_000 and [e.line for e in errors] == [2]
    spanned = int(re.search(r"ran over (\d+) lines", errors[0].reason).group(1))
    assert "not closed" in errors[0].reason and spanned < 10_000


def test_csv_header_only_yields_nothing(tmp_path):
    assert read_all(write(tmp_path, "a.csv", "id,text\n")) == ([], [])


def test_jsonl_invalid_lines(tmp_path):
    content = jsonl({"text": "one"}) + '{"text": "two",}\n' + "[1, 2]\n" + '"str"\n' + jsonl({"text": "five"})
    content += "\ufeff" + jsonl({"text": "after a stray BOM"})  # files joined with cat
    path = write(tmp_path, "a.jsonl", content)
    items, errors = read_counted(path, 6)
    assert [i.text for i in items] == ["one", "five", "after a stray BOM"]
    assert errors[0].line == 2
    assert errors[0].reason.startswith("line is not valid JSON: ") and errors[0].reason.endswith("(column 16)")
    assert [(e.line, e.reason) for e in errors[1:]] == [
        (3, "line is a list, not an object (a whole JSON list? name the file .json or pass --format json)"),
        (4, "line is a string, not an object"),
    ]


def test_json_array_truncated_midway(tmp_path):
    whole = json.dumps([{"id": n, "text": f"review number {n}"} for n in range(6)], indent=1)
    cut = whole[: whole.index('"review number 3"') + 9]
    path = write(tmp_path, "a.json", cut)
    items, errors = read_counted(path, 4)  # three whole entries, the cut fourth is the error
    assert [i.item_id for i in items] == ["0", "1", "2"]
    assert len(errors) == 1
    error = errors[0]
    start_of_fourth = cut[: cut.index('"id": 3')].count("\n")  # the '{' line of entry 3
    assert error.line == start_of_fourth
    remaining = len(cut[cut.rindex("{") :].encode())
    assert f"the rest of the file from line {error.line} ({remaining:,} bytes) could not be read" in error.reason


def test_json_malformed_midway_reports_rest(tmp_path):
    content = '[{"text": "a"},\n{"text": "b"}\n{"text": "c"},\n{"text": "d"}]\n'
    path = write(tmp_path, "a.json", content)
    items, errors = read_all(path)  # "c" and "d" are lost together: one error names them and their bytes
    assert [i.text for i in items] == ["a", "b"]
    assert len(errors) == 1 and errors[0].line == 3
    assert "expected ',' or ']' after a list entry" in errors[0].reason
    assert "(31 bytes) could not be read" in errors[0].reason


def test_json_list_not_closed(tmp_path):
    path = write(tmp_path, "a.json", '[{"text": "a"},\n{"text": "b"}\n')
    items, errors = read_all(path)  # every entry is read; the extra error warns the file may be truncated
    assert [i.text for i in items] == ["a", "b"]
    assert [e.line for e in errors] == [3] and "is the file complete" in errors[0].reason


@pytest.mark.parametrize("name", ["big.jsonl", "big.txt", "big.csv", "big.json"])
def test_enormous_item(tmp_path, name):
    text = "ż" + "x" * (5 * 1024 * 1024 - 1)
    small = "small one"
    if name.endswith(".jsonl"):
        content = jsonl({"text": small}, {"text": text}, {"text": small + "!"})
    elif name.endswith(".json"):
        content = json.dumps([{"text": small}, {"text": text}, {"text": small + "!"}], ensure_ascii=False)
    elif name.endswith(".csv"):
        content = f"text\n{small}\n{text}\n{small}!\n"
    else:
        content = f"{small}\n{text}\n{small}!\n"
    path = write(tmp_path, name, content)
    items, errors = read_counted(path, 3)
    assert [i.text for i in items] == [small, small + "!"]
    assert [e.reason for e in errors] == ["text is 5,242,880 characters, over the 100,000 limit (--max-chars)"]
    items, errors = read_counted(path, 3, max_chars=6_000_000)
    assert errors == [] and items[1].text == text


def test_empty_and_non_text_values(tmp_path):
    records = [
        {"id": 1, "text": "real"},
        {"id": 2, "text": ""},
        {"id": 3, "text": "  \n\t"},
        {"id": 4, "text": None},
        {"id": 5, "text": 5},
        {"id": 6, "text": ["a"]},
        {"id": 7, "text": {"a": 1}},
        {"id": 8, "text": True},
        {"id": 9},
    ]
    path = write(tmp_path, "a.jsonl", jsonl(*records))
    items, errors = read_counted(path, len(records))
    assert [i.item_id for i in items] == ["1"]
    assert [(e.item_id, e.line, e.reason) for e in errors] == [
        ("2", 2, "text field 'text' is empty"),
        ("3", 3, "text field 'text' is empty"),
        ("4", 4, "text field 'text' is null"),
        ("5", 5, "text field 'text' is a number, not text"),
        ("6", 6, "text field 'text' is a list, not text"),
        ("7", 7, "text field 'text' is an object, not text"),
        ("8", 8, "text field 'text' is a boolean, not text"),
        ("9", 9, "text field 'text' is missing"),
    ]


def test_unpaired_surrogate_is_replaced_keeping_length(tmp_path):
    path = write(tmp_path, "a.jsonl", '{"text": "broken emoji \\ud83d end"}\n')
    items, _ = read_counted(path, 1)
    assert items[0].text == "broken emoji \ufffd end"
    assert items[0].text.encode("utf-8")


def test_missing_file_directory_and_unknown_extension(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        ItemReader(str(tmp_path / "nope.jsonl"), ReadOptions())
    with pytest.raises(InputFileError, match="is a directory"):
        ItemReader(str(tmp_path), ReadOptions())
    sheet = write(tmp_path, "export.xlsx", b"PK")
    with pytest.raises(
        InputFileError,
        match=r"unknown extension '\.xlsx' \(save it as CSV first\): use \.jsonl, \.json, \.csv, \.tsv or \.txt, "
        r"or --format",
    ):
        ItemReader(sheet, ReadOptions())
    bare = write(tmp_path, "README", "hello\n")
    with pytest.raises(InputFileError, match="no file extension"):
        ItemReader(bare, ReadOptions())
    assert [i.text for i in ItemReader(bare, ReadOptions(format="txt"))] == ["hello"]


def test_csv_without_a_text_column(tmp_path):
    path = write(tmp_path, "a.csv", "a,b,c\n1,2,3\n")
    with pytest.raises(InputFileError, match=r"no text field among columns \[a, b, c\]; name it with --text-field"):
        ItemReader(path, ReadOptions())
    with pytest.raises(InputFileError, match=r"text field 'zz' is not among columns \[a, b, c\]"):
        ItemReader(path, ReadOptions(text_field="zz"))
    with pytest.raises(InputFileError, match=r"id field 'zz' is not among columns"):
        ItemReader(path, ReadOptions(text_field="b", id_field="zz"))


def test_json_without_a_text_field(tmp_path):
    path = write(tmp_path, "a.jsonl", jsonl({"x": "hello", "y": 1}))
    with pytest.raises(InputFileError, match=r"no text field among keys \[x, y\]"):
        ItemReader(path, ReadOptions())
    with pytest.raises(InputFileError, match=r"text field 'nested.x' is not in the first object"):
        ItemReader(path, ReadOptions(text_field="nested.x"))


def test_fields_detected_after_leading_bad_lines(tmp_path):
    path = write(tmp_path, "a.jsonl", "not json\n" + jsonl({"comment": "hi", "uuid": "u"}))
    reader = ItemReader(path, ReadOptions())
    assert (reader.fields["text"], reader.fields["id"]) == ("comment", "uuid")
    items, errors = read_counted(path, 2)
    assert [i.item_id for i in items] == ["u"] and [e.line for e in errors] == [1]


# -- API -------------------------------------------------------------------------------------------


def test_input_error_to_dict():
    error = InputError("a.csv", 3, "text field 'text' is empty", "x1")
    assert error.to_dict() == {"file": "a.csv", "line": 3, "item_id": "x1", "reason": "text field 'text' is empty"}
    assert json.dumps(error.to_dict())


def test_open_readers_checks_everything_first(tmp_path):
    good = write(tmp_path, "a.txt", "one\n")
    readers = open_readers([good, write(tmp_path, "b.jsonl", jsonl({"text": "two"}))], ReadOptions())
    assert [r.format for r in readers] == ["txt", "jsonl"]
    with pytest.raises(InputFileError) as raised:
        open_readers([str(tmp_path / "missing.csv"), good, write(tmp_path, "c.pdf", b"%PDF")], ReadOptions())
    assert "missing.csv: no such file" in str(raised.value) and "unknown extension '.pdf'" in str(raised.value)
    with pytest.raises(InputFileError, match="stdin"):
        open_readers(["-", "-"], ReadOptions())


def test_bytes_read_grows_while_iterating(tmp_path):
    path = write(tmp_path, "a.jsonl", jsonl(*({"text": "x" * 1000} for _ in range(2000))))
    reader = ItemReader(path, ReadOptions())
    seen = [reader.bytes_read for _ in reader]
    assert 0 < seen[0] < seen[-1] == reader.size


def test_read_options_reject_unknown_values():
    with pytest.raises(ValueError):
        ReadOptions(format="xlsx")
    with pytest.raises(ValueError):
        ReadOptions(default_source="fax")
    with pytest.raises(ValueError):
        ReadOptions(max_chars=0)


def test_items_are_valid_feedback_items(tmp_path):
    path = write(tmp_path, "a.jsonl", jsonl({"text": "ok", "id": 1, "source": "CSAT", "lang": "PL"}, {"text": "ż"}))
    for item in ItemReader(path, ReadOptions()):
        assert isinstance(item, FeedbackItem)
        assert FeedbackItem.model_validate(item.model_dump()) == item
        assert json.loads(item.model_dump_json())["item_id"] == item.item_id
    assert [i.source for i in ItemReader(path, ReadOptions())] == ["survey", "other"]
