"""Local fakes of third-party HTTP services, served over real sockets on random ports."""
