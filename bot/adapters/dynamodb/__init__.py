"""DynamoDB adapters: the AWS backends for incidents and the audit log."""
