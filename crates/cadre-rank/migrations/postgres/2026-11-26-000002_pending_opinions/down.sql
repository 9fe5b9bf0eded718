DROP TABLE pending_opinions;
