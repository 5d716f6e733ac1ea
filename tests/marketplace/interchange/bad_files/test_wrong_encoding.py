from tests.marketplace.files import catalog_rows, csv_bytes


def test_gbk_csv_is_rejected_with_a_hint(rejects):
    data = csv_bytes(catalog_rows()).decode("utf-8").encode("gb18030")

    errors = rejects(data)

    assert errors == [
        'row 2: the file is not UTF-8 text (it looks like GBK/GB18030, as older Excel saves CSV); '
        'save it as "CSV UTF-8" and import it again'
    ]


def test_utf8_with_bom_is_accepted(seeded_catalog, write_file, run_command):
    data = "\ufeff".encode() + csv_bytes(catalog_rows(title="窑炉智慧大脑 2.0"))

    result = run_command("import_catalog", str(write_file("bom.csv", data)))

    assert result.returncode == 0
    assert "solutions: 0 created, 1 updated, 1 unchanged" in result.stdout
