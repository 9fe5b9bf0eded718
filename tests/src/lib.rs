//! End-to-end scenarios live in `tests/`: each starts the whole suite in-process, as `cadre serve --target
//! all` does, and drives it over real sockets.
