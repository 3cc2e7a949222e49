"""``Issue``: one finding about one row (or the whole file) of a data file.

An issue names the file, the 1-based row (``None`` when it concerns the whole file), the column (``None``
when it concerns the whole row) and what was wrong, as a sentence fragment such as
``"expected a number, got 'abc'"``. ``str(issue)`` turns it into one full sentence for the user.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, Optional

Severity = Literal["error", "warning"]


@dataclass
class Issue:
    """A problem found in a data file.

    ``severity``: ``"error"`` rows are left out of the loaded data; ``"warning"`` rows are kept unless the
    message says they were left out (e.g. OCNLI's ``-`` label). ``kind`` is a short machine name used to
    count issues (``empty_cell``, ``bad_label``, ``bad_score``, ``same_positive_negative``, ...).
    """

    file: str
    row: Optional[int]
    column: Optional[str]
    message: str
    severity: Severity = "error"
    kind: str = ""

    def __str__(self) -> str:
        where = [Path(self.file).name] if self.file else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def to_dict(self) -> dict:
        return asdict(self)
