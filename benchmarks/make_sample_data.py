"""Write sample_data/ deterministically: a realistic export, a labelled broken file, and
the two lines of the reader's limits (limits.ndjson.gz: too-many-values, line-too-long).

python benchmarks/make_sample_data.py [OUTDIR]
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from interact_cli.generate import broken_sample, generate_lines, limit_lines

SAMPLE_EVENTS = 5000
SAMPLE_SEED = 1


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    events = b"".join(line + b"\n" for line in generate_lines(SAMPLE_EVENTS, SAMPLE_SEED))
    (outdir / "events.ndjson").write_bytes(events)
    broken, labels = broken_sample()
    (outdir / "broken.ndjson").write_bytes(broken)
    rows = ["line\tverdict\tcode\tlabel"] + [f"{n}\t{v}\t{c}\t{label}" for n, v, c, label in labels]
    (outdir / "broken.labels.tsv").write_text("\n".join(rows) + "\n")
    # The two limits need megabytes a line: compressed (mtime 0, so the bytes repeat).
    (outdir / "limits.ndjson.gz").write_bytes(gzip.compress(limit_lines(), 9, mtime=0))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "sample_data")
