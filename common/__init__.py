"""The foundation every layer shares; it imports nothing else of ours.

File systems (`files`), the entry points' error line and flag parsing
(`cli`), the one user-error base (`errors`), TensorFlow's process set-up
(`tf_env`), pixel conversion (`pixels`), image files (`image_files`), mask
specs (`masks`) and config-to-flags (`config_flags`).
"""
