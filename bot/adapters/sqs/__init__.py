"""Amazon SQS adapters: the FIFO event queue and its dead-letter queue."""
