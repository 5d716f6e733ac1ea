from tests.marketplace.files import catalog_rows, csv_bytes


def test_county_must_belong_to_the_city(rejects):
    # 历下区 is in 济南市, not 淄博市.
    errors = rejects(csv_bytes(catalog_rows(provider_county="历下区")))

    assert errors == ['row 2, column provider_county: "历下区" is not a county of 淄博市']


def test_same_county_name_in_two_cities_resolves_by_city(seeded_catalog, write_file, run_command):
    # 市中区 exists in both 济南市 and 枣庄市.
    rows = catalog_rows(provider_ref="P-ZZ", solution_ref="S-ZZ", provider_city="枣庄", provider_county="市中区")

    result = run_command("import_catalog", str(write_file("zz.csv", csv_bytes(rows[:1]))))

    assert result.returncode == 0, result.stderr
    from marketplace.catalog.models import Provider

    provider = Provider.objects.get(ref="P-ZZ")
    assert (provider.city_id, provider.county.city_id, provider.county.name) == ("枣庄市", "枣庄市", "市中区")
