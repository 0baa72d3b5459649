"""The offline end-to-end demo: train, export, complete held-out digits, report."""
