"""Spreadsheet interchange: the catalog and needs files of ../shared/catalog-format.md.

``tables`` turns CSV/XLSX/JSON bytes into numbered rows and back, ``columns`` parses and validates
cells, ``importer`` validates whole files and upserts them atomically, ``exporter`` writes them.
"""
