"""Analyses over labelled or stored items, apart from the store's storage: pain-point themes over records
(`themes`) and near-duplicate groups of stored items (`duplicates`)."""
