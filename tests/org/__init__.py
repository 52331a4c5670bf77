"""Tests of the organisation report: ``report`` over many repositories' JSON reports."""
