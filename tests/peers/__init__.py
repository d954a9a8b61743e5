"""Real peers (IdPs, Redis, PostgreSQL, moto) the test suite starts on 127.0.0.1."""
