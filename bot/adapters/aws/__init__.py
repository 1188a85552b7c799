"""What the AWS adapters (DynamoDB, SQS) share: client settings and which failures are outages."""
