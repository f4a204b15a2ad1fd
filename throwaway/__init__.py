"""Throwaway servers on 127.0.0.1: a PostgreSQL, a redis-server, a free port.

The test suite and the benchmarks both start their servers from here, so
neither reaches into the other: ``tests`` and ``benchmarks`` import
``throwaway``, and ``throwaway`` imports nothing of this repository.
"""
