from tests.marketplace.files import catalog_rows, csv_bytes


def test_unknown_codes_in_every_coded_column(rejects):
    rows = catalog_rows(category="blockchain", tier="gold", delivery_mode="cloud", industries="ceramics;toys")
    rows[1]["regions_served"] = "淄博市;上海市"

    errors = rejects(csv_bytes(rows))

    assert errors == [
        'row 2, column tier: unknown code "gold"; expected one of cross_industry, other, provincial, specialized',
        'row 2, column category: unknown code "blockchain"; expected one of '
        "data_analytics, digital_twin, energy, environment, equipment, erp, finance, iot_cloud, logistics, "
        "marketing, mes, quality, rd_design, safety, security, supply_chain",
        "row 2, column industries: unknown code toys",
        'row 2, column delivery_mode: unknown code "cloud"; expected one of hybrid, on_premise, saas',
        'row 3, column regions_served: "上海市" is not a city of Shandong province',
    ]


def test_star_must_stand_alone(rejects):
    errors = rejects(csv_bytes(catalog_rows(industries="*;ceramics")))

    assert errors == ['row 2, column industries: "*" must stand alone']
