"""Small HTTP building blocks shared by vendor adapters."""
