DROP TABLE service_keys;
DROP TABLE sessions;
DROP TABLE credentials;
