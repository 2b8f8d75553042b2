"""Load the district's municipalities from the CSV shipped with the app."""

import csv
from pathlib import Path

MUNICIPALITIES_CSV = Path(__file__).resolve().parent / "data" / "municipalities.csv"


def read_municipalities() -> list[dict]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["latitude"] = float(row["latitude"])
        row["longitude"] = float(row["longitude"])
    return rows


def load_municipalities(municipality_model) -> int:
    """Insert or update every municipality by slug; returns the number of rows."""
    rows = read_municipalities()
    for row in rows:
        slug = row.pop("slug")
        municipality_model.objects.update_or_create(slug=slug, defaults=row)
    return len(rows)
