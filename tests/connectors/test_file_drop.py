import datetime as dt

import pytest
from openpyxl import Workbook

from connectors.file_drop import ROW_ERROR, BadFile, FileDropReader
from connectors.spec import FileDropFetch

HEADER = ["信访件编号", "信访人", "身份证号码", "登记日期"]


def reader(folder) -> FileDropReader:
    fetch = FileDropFetch(folder=str(folder), pattern="信访登记_*.*", date_regex=r"信访登记_(\d{8})")
    return FileDropReader("petitions", fetch, {})


def write_csv(path, lines: list[list[str]]) -> None:
    path.write_bytes("".join(",".join(line) + "\r\n" for line in lines).encode("gbk"))


def test_gbk_csv_rows_keep_chinese_headers_and_values(tmp_path):
    write_csv(
        tmp_path / "信访登记_20261119.csv", [HEADER, ["XF1", "張偉", "510103900307123", "1990年3月7日"]]
    )
    (page,) = list(reader(tmp_path).pages(""))
    assert page[0]["信访人"] == "張偉"
    assert page[0]["登记日期"] == "1990年3月7日"
    assert page[0][ROW_ERROR] is None
    assert page[0]["_file_date"] == "2026-11-19"


def test_a_line_with_the_wrong_field_count_is_kept_and_flagged(tmp_path):
    write_csv(
        tmp_path / "信访登记_20261119.csv", [HEADER, ["XF1", "李娜", "1", "2026-11-19"], ["XF2", "王芳"]]
    )
    (page,) = list(reader(tmp_path).pages(""))
    assert len(page) == 2
    assert page[1][ROW_ERROR] == "信访登记_20261119.csv line 3: 2 fields, expected 4"
    assert page[1]["信访件编号"] == "XF2"


def test_xlsx_files_and_the_watermark_date(tmp_path):
    write_csv(tmp_path / "信访登记_20261118.csv", [HEADER, ["XF0", "赵六", "", "2026-11-18"]])
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["XF3", "陈静", None, "2026年11月20日"])
    book.save(tmp_path / "信访登记_20261120.xlsx")
    pages = list(reader(tmp_path).pages("2026-11-18"))
    assert [row["信访件编号"] for page in pages for row in page] == ["XF3"]
    assert pages[0][0]["身份证号码"] == ""


def test_half_written_files_are_ignored(tmp_path):
    write_csv(tmp_path / ".信访登记_20261119.csv.tmp", [HEADER])
    assert list(reader(tmp_path).pages("")) == []


def test_a_file_cut_short_is_refused_whole_not_loaded_in_part(tmp_path):
    path = tmp_path / "信访登记_20261119.csv"
    path.write_bytes("信访件编号,信访人,身份证号码,登记日期\r\nXF1,李娜,1,2026-11-19\r\nXF2,王".encode("gbk"))
    with pytest.raises(BadFile, match="信访登记_20261119.csv: truncated: line 3 has 2 of 4 fields"):
        list(reader(tmp_path).pages(""))


def test_xlsx_cells_typed_as_numbers_or_dates_read_as_a_clerk_keyed_them(tmp_path):
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["XF1", "李娜", 510103900307123, dt.datetime(2026, 11, 19, 9, 30)])
    book.active.append([])  # a blank line inside the sheet is skipped, the line numbers still count it
    book.active.append(["XF2", "王芳", 3.5, "2026-11-19"])
    book.save(tmp_path / "信访登记_20261119.xlsx")
    (page,) = list(reader(tmp_path).pages(""))
    assert [row["身份证号码"] for row in page] == ["510103900307123", "3.5"]
    assert page[0]["登记日期"].startswith("2026-11-19")
    assert [row["_line"] for row in page] == [2, 4]
