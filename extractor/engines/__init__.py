"""Distributed engines that run the single-machine extraction elsewhere: `spark` (Apache Spark, PySpark)."""
