"""Amazon Comprehend from application code: real-time batches, async jobs, training-data checks.

Real-time analysis (`analysis`) sends any number of documents through the Batch* APIs, 25 per call,
splitting long documents at sentence boundaries under each API's UTF-8 byte limit (`limits`,
`chunking`) and mapping offsets back to the original text. Large inputs go through asynchronous jobs
(`jobs`), whose `output.tar.gz` is unpacked into JSON lines. `training_data` checks a custom entity
recognizer's documents, annotations and entity list before anything billed is created.
"""
