"""The Spark peer of the pipeline benchmark (docs/benchmarks.md, "Spark peer").

A PySpark Structured Streaming job over the same Kafka topic as the pipeline, doing a simpler
version of its silver and gold work (what it leaves out is listed in docs/benchmarks.md):

- parse each message's JSON as the order event of docs/contract.md §1 (v1, v2 and v3 shapes),
  keep the valid ones (required fields, enumerations, amounts, items), drop the rest;
- dedupe by orderId across micro-batches (dropDuplicatesWithinWatermark on the Kafka timestamp,
  24 hours, like DEDUP_WINDOW_HOURS);
- per micro-batch, write Parquet (Zstd) under OUT/batch=<id>/:
  silver_orders (contract §2.2 less lat/lon/distance), silver_items (§2.3),
  gold_customer_totals (the batch's contribution per customer: orders, items, spend, first/last
  order; sum over batches for lifetime totals) and gold_velocity_hourly (orders per customer and
  hour of order time);
- append to OUT/batches.jsonl a line when a micro-batch starts and one when its writes are done:
  batch id, rows, and the wall time (ms) at which its silver files were committed, i.e. visible
  to a reader.

Run by bench/peer/spark.ts with the venv's Python:
  python spark_orders.py --brokers B --topic T --out DIR --reference FILE [--max-offsets N]
"""

import argparse
import json
import time

from pyspark.sql import SparkSession, functions as F, types as T

PAYMENT_METHODS = ["CASH", "CREDIT CARD", "DEBIT CARD", "PAYPAL", "VENMO", "ZELLE", "BITCOIN", "ETHEREUM", "LITECOIN", "OTHER"]
PAYMENT_STATUSES = ["PAID", "PENDING", "FAILED"]
ORDER_STATUSES = ["PLACED", "SHIPPED", "DELIVERED", "CANCELLED"]
COIN_BY_METHOD = {"BITCOIN": "BTC", "ETHEREUM": "ETH", "LITECOIN": "LTC"}

ORDER_SCHEMA = T.StructType([
    T.StructField("orderId", T.StringType()),
    T.StructField("orderDate", T.StringType()),
    T.StructField("dateOrder", T.StringType()),
    T.StructField("customerId", T.StringType()),
    T.StructField("shippingAddress", T.StringType()),
    T.StructField("totalAmount", T.DoubleType()),
    T.StructField("items", T.ArrayType(T.StructType([
        T.StructField("productId", T.StringType()),
        T.StructField("quantity", T.LongType()),
    ]))),
    T.StructField("paymentMethod", T.StringType()),
    T.StructField("paymentStatus", T.StringType()),
    T.StructField("orderStatus", T.StringType()),
    T.StructField("message", T.StringType()),
])


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--reference", required=True, help="JSON file: products, customers, rates")
    parser.add_argument("--max-offsets", type=int, default=30000, help="maxOffsetsPerTrigger")
    parser.add_argument("--jars", default="", help="comma-separated jars (the Kafka source)")
    return parser.parse_args()


def reference_frames(spark, path):
    with open(path, encoding="utf-8") as file:
        ref = json.load(file)
    products = spark.createDataFrame(
        [(p["productId"], p["name"], p["category"], float(p["unitPriceUsd"])) for p in ref["products"]],
        "productId string, productName string, category string, unitPriceUsd double")
    customers = spark.createDataFrame(
        [(c["customerId"], c["name"], c["segment"], c["ageBand"], c["homeCity"], c["homeCountry"]) for c in ref["customers"]],
        "customerId string, customerName string, customerSegment string, customerAgeBand string, homeCity string, homeCountry string")
    rates = spark.createDataFrame(
        [(day, coin, float(usd)) for day, by_coin in ref["rates"].items() for coin, usd in by_coin.items()],
        "rateDate string, coin string, usdPerCoin double")
    return F.broadcast(products), F.broadcast(customers), F.broadcast(rates)


def valid_orders(raw):
    """Kafka rows → one row per valid order event (contract §1.2), upcast to the v3 fields."""
    text = F.col("value").cast("string")
    header_version = F.trim(F.expr("cast(filter(headers, h -> h.key = 'schema-version')[0].value as string)"))
    o = F.from_json(text, ORDER_SCHEMA)
    parsed = raw.select(o.alias("o"), text.alias("json"), header_version.alias("headerVersion"), "partition", "offset", F.col("timestamp").alias("kafkaTs"))
    parsed = parsed.select("o.*", "json", "headerVersion", "partition", "offset", "kafkaTs")
    # The version: the header's, else the shape's (contract §1.1): dateOrder → 3, message → 2, else 1.
    by_shape = F.when(F.col("dateOrder").isNotNull(), F.lit("3")).when(F.col("json").rlike('"message"\\s*:'), F.lit("2")).otherwise(F.lit("1"))
    version = F.coalesce(F.col("headerVersion"), by_shape)
    # v1/v2 `YYYY-MM-DD HH:MM:SS` meant as UTC; v3 ISO 8601 with seconds and an offset.
    iso = F.col("orderDate").rlike("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$")
    plain = F.col("orderDate").rlike("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$")
    order_ts = (
        F.when((version == "3") & iso, F.to_timestamp("orderDate"))
        .when((version != "3") & plain, F.to_timestamp("orderDate", "yyyy-MM-dd HH:mm:ss"))
    )
    items_ok = F.forall("items", lambda i: i["productId"].isNotNull() & (F.length(i["productId"]) > 0) & (i["quantity"] >= 1))
    # from_json reads a JSON number into a string field as its text: the contract wants a string.
    quoted = [F.col("json").rlike(f'"{name}"\\s*:\\s*"') for name in ("orderId", "customerId", "shippingAddress")]
    valid = (
        (F.col("headerVersion").isNull() | F.col("headerVersion").isin("1", "2", "3"))
        & F.col("orderId").isNotNull() & (F.length("orderId") > 0)
        & F.col("customerId").isNotNull() & (F.length("customerId") > 0)
        & quoted[0] & quoted[1] & quoted[2]
        & F.col("orderTs").isNotNull()
        & F.col("totalAmount").isNotNull() & (F.col("totalAmount") >= 0)
        & F.col("items").isNotNull() & (F.size("items") >= 1) & items_ok
        & F.col("paymentMethod").isin(PAYMENT_METHODS)
        & F.col("paymentStatus").isin(PAYMENT_STATUSES)
        & F.col("orderStatus").isin(ORDER_STATUSES)
        & ((version != "3") | (F.col("dateOrder") == F.date_format("orderTs", "yyyy-MM-dd")))
    )
    return parsed.withColumn("orderTs", order_ts).where(valid).drop("json", "headerVersion").withColumn("message", F.coalesce("message", F.lit("")))


def main():
    args = parse_args()
    builder = (
        SparkSession.builder.appName("streaming-orders-spark-peer")
        .master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "6")
        .config("spark.sql.parquet.compression.codec", "zstd")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Loopback only: the driver would otherwise bind to the machine's outward address.
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
    )
    if args.jars:
        builder = builder.config("spark.jars", args.jars)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    products, customers, rates = reference_frames(spark, args.reference)
    coin_of = F.create_map(*[F.lit(x) for kv in COIN_BY_METHOD.items() for x in kv])

    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", args.brokers)
        .option("subscribe", args.topic)
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", args.max_offsets)
        .option("includeHeaders", "true")
        .load()
    )
    deduped = valid_orders(raw).withWatermark("kafkaTs", "24 hours").dropDuplicatesWithinWatermark(["orderId"])

    log = open(f"{args.out}/batches.jsonl", "a", encoding="utf-8")

    def write_batch(batch, batch_id):
        started = int(time.time() * 1000)
        log.write(json.dumps({"event": "start", "batchId": batch_id, "startedMs": started}) + "\n")
        log.flush()
        orders = batch.persist()
        address = F.split("shippingAddress", ", ")
        silver = (
            orders.withColumn("coin", coin_of[F.col("paymentMethod")])
            .withColumn("rateDate", F.date_format("orderTs", "yyyy-MM-dd"))
            .join(rates, ["rateDate", "coin"], "left")
            .join(customers, "customerId", "left")
            .select(
                "orderId", "customerId", "orderTs", F.to_date("orderTs").alias("orderDate"), "totalAmount",
                F.round(F.when(F.col("coin").isNull(), F.col("totalAmount")).otherwise(F.col("totalAmount") * F.col("usdPerCoin")), 2).alias("totalAmountUsd"),
                "paymentMethod", "paymentStatus", "orderStatus", "message",
                F.element_at(address, 1).alias("shippingStreet"),
                F.coalesce(F.element_at(address, 2), F.lit("")).alias("city"),
                F.coalesce(F.element_at(address, 3), F.lit("")).alias("country"),
                F.size("items").alias("itemCount"), "partition", "offset", "kafkaTs",
                *[F.coalesce(c, F.lit("")).alias(c) for c in ["customerName", "customerSegment", "customerAgeBand", "homeCity", "homeCountry"]],
                (F.coalesce("homeCity", F.lit("")) == F.coalesce(F.element_at(address, 2), F.lit(""))).alias("shipsToHome"),
            )
        )
        items = (
            orders.select("orderId", "customerId", "orderTs", F.explode("items").alias("item"))
            .select("orderId", "customerId", "orderTs", F.to_date("orderTs").alias("orderDate"), F.col("item.productId").alias("productId"), F.col("item.quantity").cast("int").alias("quantity"))
            .join(products, "productId", "left")
            .select("orderId", "customerId", "orderTs", "orderDate", "productId", F.coalesce("productName", F.lit("")).alias("productName"),
                    F.coalesce("category", F.lit("")).alias("category"), "quantity", F.coalesce("unitPriceUsd", F.lit(0.0)).alias("unitPriceUsd"),
                    F.round(F.col("quantity") * F.coalesce("unitPriceUsd", F.lit(0.0)), 2).alias("lineAmountUsd"))
        )
        base = f"{args.out}/batch={batch_id}"
        silver_rows = orders.count()  # the joins are left joins on unique keys: one silver row per order
        silver.write.mode("overwrite").parquet(f"{base}/silver_orders")
        items.write.mode("overwrite").parquet(f"{base}/silver_items")
        visible = int(time.time() * 1000)
        (
            silver.groupBy("customerId")
            .agg(F.count("*").alias("orders"), F.sum("itemCount").alias("items"), F.round(F.sum("totalAmountUsd"), 2).alias("spendUsd"),
                 F.min("orderTs").alias("firstOrderTs"), F.max("orderTs").alias("lastOrderTs"))
            .write.mode("overwrite").parquet(f"{base}/gold_customer_totals")
        )
        (
            orders.groupBy("customerId", F.date_trunc("hour", "orderTs").alias("hour")).agg(F.count("*").alias("orders"))
            .write.mode("overwrite").parquet(f"{base}/gold_velocity_hourly")
        )
        done = int(time.time() * 1000)
        orders.unpersist()
        log.write(json.dumps({"event": "done", "batchId": batch_id, "startedMs": started, "silverVisibleMs": visible, "goldDoneMs": done, "silverOrders": silver_rows}) + "\n")
        log.flush()

    query = (
        deduped.writeStream.foreachBatch(write_batch)
        .option("checkpointLocation", f"{args.out}/_checkpoint")
        .trigger(processingTime="0 seconds")
        .start()
    )
    query.awaitTermination()


if __name__ == "__main__":
    main()
