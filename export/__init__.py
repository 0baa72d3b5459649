"""SavedModels of the trained networks, laid out for TensorFlow Serving."""
