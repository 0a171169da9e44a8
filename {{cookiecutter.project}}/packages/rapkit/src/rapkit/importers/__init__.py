"""Importers: read a publisher's file format into a tidy, validated table.

One module per published format, shared by every pipeline that reads it, so a
fix for a quirk of the format (a header variant, a suppression marker) is made
once. Each module offers a ``read_*`` function (file to raw text frame, with
the header checked), a ``tidy_*`` stage (types, markers, totals) and the
Pandera schema of its result.
"""
