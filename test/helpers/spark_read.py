"""Reads one Delta table of the lake with Apache Spark and the Delta Lake package (io.delta:delta-spark
from Maven Central, fetched by Spark's own package resolution), and prints one JSON object: the
table's version, row count, the sorted values of one column, and its history's length.

    python spark_read.py '{"path": "/tmp/lake/silver/orders", "column": "orderId", "package": "io.delta:delta-spark_2.13:4.0.0"}'
"""
import json
import os
import sys

from pyspark.sql import SparkSession


def main():
    request = json.loads(sys.argv[1])
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("streaming-orders delta read")
        .config("spark.jars.packages", request["package"])
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    path = request["path"]
    frame = spark.read.format("delta").load(path)
    values = sorted(str(row[0]) for row in frame.select(request["column"]).collect())
    history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").collect()
    result = {"rows": len(values), "values": values, "version": max(h["version"] for h in history), "commits": len(history)}
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    spark.stop()
    os._exit(0)


if __name__ == "__main__":
    main()
