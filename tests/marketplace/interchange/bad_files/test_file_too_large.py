from tests.marketplace.files import csv_bytes, catalog_rows


def test_50_megabyte_file_is_refused_before_parsing(rejects):
    padding = b"#" * (50 * 1024 * 1024)
    data = csv_bytes(catalog_rows()) + padding

    errors = rejects(data)

    assert errors == ["file: 50.0 MB is larger than the 20 MB limit; split it into smaller files"]
