-- The key store is a database of its own beside the data (docs/configuration.md, keystore.url),
-- here on the same PostgreSQL server; in production, on another server with other credentials.
CREATE DATABASE plenary_keys OWNER plenary;
