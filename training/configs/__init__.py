"""Named training presets: `--config=NAME` runs NAME.py's get_config()."""
