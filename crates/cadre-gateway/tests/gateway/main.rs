//! The gateway end to end: real sockets on 127.0.0.1, a test upstream behind it, real clients in front.

mod cross_cutting;
mod grpc;
mod grpc_web;
mod json;
mod limits;
mod local;
mod support;
