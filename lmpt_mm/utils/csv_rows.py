"""Write a list of dicts as CSV: the columns are every key in order of first use."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import List, Sequence


def write_rows_csv(path: str | Path, rows: Sequence[dict]) -> None:
    """One row per dict; floats rounded to 4 decimals, a missing key left empty."""
    fields: List[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields]
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()})
