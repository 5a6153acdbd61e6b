"""Opens no files: the vocabulary (words), the finding catalogue, the exceptions, settings, dates,
the data classes (model), and the pure steps of a merge: matching, validation, merging, changes."""
