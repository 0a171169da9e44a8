"""Importers: read one published file format each into a tidy, typed table.

Published-data realities (header variants and typos, suppression markers,
geography code vintages, units) are handled here once, so that every pipeline
that reads the same publisher's files shares the same tested code.
"""
