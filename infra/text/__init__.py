"""Text domain: the custom Comprehend entity recognizer trained from the repository's data, its data-access role."""
