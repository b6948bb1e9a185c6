"""The peers the benchmark compares against; each is run as its own process.

    python benchmarks/peers.py duckdb|duckdb-tables|chdb-tables|polars|json FILE
    python benchmarks/peers.py duckdb-export FILE OUT.parquet

Each computes the per-set x per-product click / addToCart / other counts of interact
events, without any validation, and prints the number of result rows (duckdb-tables:
the same tables as `report`, with views, distinct users and sets, minus orders and
rates: the rows of its three tables; chdb-tables likewise in chDB); duckdb-export
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


# The same tables as `report` (without orders and rates): per set views, the three
# buckets and distinct users; per product the buckets, distinct users and sets; per set
# and product the buckets. Events are read once into a temporary table.
DUCKDB_EVENTS = (
    """
CREATE TEMP TABLE ev AS
SELECT type, interact.product.sku AS sku, interact.action AS action, "view".setCompose.id AS viewed,
       coalesce(list_filter(context, lambda c: c.type = 'setCompose')[1].setCompose.id,
                list_filter(context, lambda c: c.type = 'content')[1].content.setCompose.id) AS set_id,
       coalesce(list_filter(context, lambda c: c.type = 'user')[1]."user".id, userId) AS user_id
FROM read_json(?, format = 'newline_delimited', ignore_errors = true,
               columns = {type: 'VARCHAR', userId: 'VARCHAR',
                          interact: 'STRUCT(type VARCHAR, action VARCHAR, product STRUCT(sku VARCHAR))',
                          "view": 'STRUCT(type VARCHAR, setCompose STRUCT(id VARCHAR))',
                          context: '%s'})
WHERE type IN ('interact', 'view')
"""
    % CONTEXT
)
BUCKETS = """count(*) FILTER (WHERE action = 'click') AS click,
       count(*) FILTER (WHERE action = 'addToCart') AS addToCart,
       count(*) FILTER (WHERE action IS NULL OR action NOT IN ('click', 'addToCart')) AS other"""
DUCKDB_TABLES = [
    f"""SELECT coalesce(i.set_id, v.set_id), v.views, i.click, i.addToCart, i.other, i.users
FROM (SELECT set_id, {BUCKETS}, count(DISTINCT user_id) AS users FROM ev
      WHERE type = 'interact' AND set_id IS NOT NULL GROUP BY ALL) i
FULL JOIN (SELECT viewed AS set_id, count(*) AS views FROM ev
           WHERE type = 'view' AND viewed IS NOT NULL GROUP BY ALL) v USING (set_id)""",
    f"""SELECT sku, {BUCKETS}, count(DISTINCT user_id) AS users, count(DISTINCT set_id) AS sets
FROM ev WHERE type = 'interact' GROUP BY ALL""",
    f"""SELECT set_id, sku, {BUCKETS} FROM ev
WHERE type = 'interact' AND set_id IS NOT NULL GROUP BY ALL""",
]


def duckdb_tables_peer(path: str) -> int:
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    connection.execute(DUCKDB_EVENTS, [path])
    return sum(len(connection.execute(sql).fetchall()) for sql in DUCKDB_TABLES)


# chDB (ClickHouse in process) computing the same tables: lines as strings, fields by
# JSONExtract, events read once into a Memory table.
CHDB_EVENTS = """
CREATE TABLE ev ENGINE = Memory AS
SELECT JSONExtractString(line, 'type') AS type,
       JSONExtractString(line, 'interact', 'product', 'sku') AS sku,
       JSONExtract(line, 'interact', 'action', 'Nullable(String)') AS action,
       JSONExtract(line, 'view', 'setCompose', 'id', 'Nullable(String)') AS viewed,
       JSONExtractArrayRaw(line, 'context') AS items,
       coalesce(
         JSONExtract(arrayFirst(x -> JSONExtractString(x, 'type') = 'setCompose', items),
                     'setCompose', 'id', 'Nullable(String)'),
         JSONExtract(arrayFirst(x -> JSONExtractString(x, 'type') = 'content', items),
                     'content', 'setCompose', 'id', 'Nullable(String)')) AS set_id,
       coalesce(JSONExtract(arrayFirst(x -> JSONExtractString(x, 'type') = 'user', items),
                            'user', 'id', 'Nullable(String)'),
                JSONExtract(line, 'userId', 'Nullable(String)')) AS user_id
FROM file('{path}', 'LineAsString')
WHERE type IN ('interact', 'view')
SETTINGS max_threads = 2
"""
CH_BUCKETS = (
    "countIf(action = 'click') AS click, countIf(action = 'addToCart') AS addToCart, "
    "countIf(action IS NULL OR action NOT IN ('click', 'addToCart')) AS other"
)
CHDB_TABLES = [
    f"""SELECT coalesce(i.set_id, v.set_id), v.views, i.click, i.addToCart, i.other, i.users
FROM (SELECT set_id, {CH_BUCKETS}, uniqExact(user_id) AS users FROM ev
      WHERE type = 'interact' AND set_id IS NOT NULL GROUP BY set_id) AS i
FULL JOIN (SELECT viewed AS set_id, count() AS views FROM ev
           WHERE type = 'view' AND viewed IS NOT NULL GROUP BY viewed) AS v USING (set_id)""",
    f"""SELECT sku, {CH_BUCKETS}, uniqExact(user_id), uniqExact(set_id) FROM ev
WHERE type = 'interact' GROUP BY sku""",
    f"""SELECT set_id, sku, {CH_BUCKETS} FROM ev
WHERE type = 'interact' AND set_id IS NOT NULL GROUP BY set_id, sku""",
]


def chdb_tables_peer(path: str) -> int:
    from chdb import session

    db = session.Session()
    db.query(CHDB_EVENTS.format(path=path.replace("'", "\\'")))
    rows = 0
    for sql in CHDB_TABLES:
        rows += len(str(db.query(sql + " SETTINGS max_threads = 2", "CSV")).splitlines())
    return rows


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
    peer = {
        "duckdb": duckdb_peer,
        "duckdb-tables": duckdb_tables_peer,
        "chdb-tables": chdb_tables_peer,
        "polars": polars_peer,
        "json": json_peer,
    }[sys.argv[1]]
    print(peer(sys.argv[2]))
