"""The offline demo: train, export, complete held-out digits, report."""
