"""The peers the benchmark compares against; each is run as its own process.

    python benchmarks/peers.py duckdb|polars|json FILE
    python benchmarks/peers.py duckdb-export FILE OUT.parquet

Each computes the per-set x per-product click / addToCart / other counts of interact
events, without any validation, and prints the number of result rows; duckdb-export
writes the events as Parquet, as `export` does but without validation, and prints the
number of rows written.
"""

from __future__ import annotations

import sys

CONTEXT = (
    "STRUCT(type VARCHAR, setCompose STRUCT(id VARCHAR), "
    'content STRUCT(type VARCHAR, setCompose STRUCT(id VARCHAR)), "user" STRUCT(id VARCHAR))[]'
)
DUCKDB_SQL = (
    """
SELECT set_id, sku,
       count(*) FILTER (WHERE action = 'click') AS click,
       count(*) FILTER (WHERE action = 'addToCart') AS addToCart,
       count(*) FILTER (WHERE action IS NULL OR action NOT IN ('click', 'addToCart')) AS other
FROM (
  SELECT interact.product.sku AS sku, interact.action AS action,
         coalesce(list_filter(context, lambda c: c.type = 'setCompose')[1].setCompose.id,
                  list_filter(context, lambda c: c.type = 'content')[1].content.setCompose.id) AS set_id
  FROM read_json(?, format = 'newline_delimited', ignore_errors = true,
                 columns = {type: 'VARCHAR',
                            interact: 'STRUCT(type VARCHAR, action VARCHAR, product STRUCT(sku VARCHAR))',
                            context: '%s'})
  WHERE type = 'interact'
) GROUP BY ALL
"""
    % CONTEXT
)


def duckdb_peer(path: str) -> int:
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    return len(connection.execute(DUCKDB_SQL, [path]).fetchall())


EXPORT_SQL = """
COPY (
  SELECT type AS event_type, try_cast("timestamp" AS TIMESTAMPTZ) AS time,
         coalesce(list_filter(context, lambda c: c.type = 'setCompose')[1].setCompose.id,
                  list_filter(context, lambda c: c.type = 'content')[1].content.setCompose.id,
                  "view".setCompose.id) AS set_id,
         coalesce(list_filter(context, lambda c: c.type = 'user')[1]."user".id, userId) AS user_id,
         interact.product.sku AS sku, interact.action AS action, "order".id AS order_id,
         "order".lines AS order_lines
  FROM read_json('{path}', format = 'newline_delimited', ignore_errors = true,
                 columns = {{type: 'VARCHAR', "timestamp": 'VARCHAR', userId: 'VARCHAR',
                            interact: 'STRUCT(type VARCHAR, action VARCHAR, product STRUCT(sku VARCHAR))',
                            "view": 'STRUCT(type VARCHAR, setCompose STRUCT(id VARCHAR))',
                            "order": 'STRUCT(id VARCHAR, lines STRUCT(sku VARCHAR, quantity DOUBLE,
                                      grossPrice STRUCT(amount DECIMAL(38, 9), currency VARCHAR))[])',
                            context: '{context}'}})
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
"""


def duckdb_export_peer(path: str, out: str) -> int:
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    quoted = [text.replace("'", "''") for text in (path, out)]
    sql = EXPORT_SQL.format(path=quoted[0], out=quoted[1], context=CONTEXT.replace("'", "''"))
    connection.execute(sql)
    return int(connection.execute(f"SELECT count(*) FROM '{quoted[1]}'").fetchone()[0])


def polars_peer(path: str) -> int:
    import polars as pl

    item = pl.Struct(
        {
            "type": pl.String,
            "setCompose": pl.Struct({"id": pl.String}),
            "content": pl.Struct({"type": pl.String, "setCompose": pl.Struct({"id": pl.String})}),
        }
    )
    schema = {
        "type": pl.String,
        "interact": pl.Struct(
            {"type": pl.String, "action": pl.String, "product": pl.Struct({"sku": pl.String})}
        ),
        "context": pl.List(item),
    }
    frame = pl.scan_ndjson(path, schema=schema, ignore_errors=True).filter(
        pl.col("type") == "interact"
    )
    sets = (
        pl.col("context")
        .list.eval(
            pl.coalesce(
                pl.element().struct.field("setCompose").struct.field("id"),
                pl.element().struct.field("content").struct.field("setCompose").struct.field("id"),
            )
        )
        .list.drop_nulls()
        .list.first()
    )
    action = pl.col("interact").struct.field("action")
    result = (
        frame.select(
            set_id=sets,
            sku=pl.col("interact").struct.field("product").struct.field("sku"),
            action=action,
        )
        .group_by("set_id", "sku")
        .agg(
            click=(pl.col("action") == "click").sum(),
            addToCart=(pl.col("action") == "addToCart").sum(),
            other=(
                pl.col("action").is_null() | ~pl.col("action").is_in(["click", "addToCart"])
            ).sum(),
        )
        .collect()
    )
    return result.height


def json_peer(path: str) -> int:
    import json
    from collections import Counter

    counts: Counter = Counter()
    with open(path, "rb") as stream:
        for line in stream:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict) or event.get("type") != "interact":
                continue
            try:
                body = event["interact"]
                set_id = None
                for item in event.get("context", ()):
                    if item.get("type") == "setCompose":
                        set_id = item["setCompose"]["id"]
                    elif item.get("type") == "content":
                        set_id = item["content"]["setCompose"]["id"]
                action = body.get("action")
                bucket = action if action in ("click", "addToCart") else "other"
                counts[(set_id, body["product"]["sku"], bucket)] += 1
            except (KeyError, TypeError, AttributeError):
                continue
    return len({(s, p) for s, p, _ in counts})


if __name__ == "__main__":
    if sys.argv[1] == "duckdb-export":
        print(duckdb_export_peer(sys.argv[2], sys.argv[3]))
        sys.exit()
    peer = {"duckdb": duckdb_peer, "polars": polars_peer, "json": json_peer}[sys.argv[1]]
    print(peer(sys.argv[2]))
