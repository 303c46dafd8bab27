//! A loopback HTTP server with canned answers: the edge the live-figure clients talk to in
//! tests (no network beyond loopback).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One canned answer: status, extra headers, body, delay before answering.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: String,
    pub delay: Duration,
}

/// An answer with `status` and `body`, at once.
pub fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: body.to_string(),
        delay: Duration::ZERO,
    }
}

/// A loopback HTTP server answering each connection with the next reply (the last one
/// repeats); it keeps the requests' heads.
pub struct Fake {
    /// Its URL.
    pub url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

pub fn serve(replies: Vec<Reply>) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!(
        "http://{}/usage",
        listener.local_addr().expect("its address")
    );
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut s) = stream else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => buf.extend_from_slice(&chunk[..k]),
                }
            }
            seen.lock()
                .expect("unpoisoned")
                .push(String::from_utf8_lossy(&buf).into_owned());
            let r = replies[n.min(replies.len() - 1)].clone();
            std::thread::sleep(r.delay);
            let mut head = format!(
                "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\nContent-Type: application/json\r\n",
                r.status,
                r.body.len()
            );
            for (k, v) in &r.headers {
                head = head + k + ": " + v + "\r\n";
            }
            let _ = s.write_all(format!("{head}\r\n{}", r.body).as_bytes());
        }
    });
    Fake { url, heads }
}

impl Fake {
    /// The heads of the requests received so far.
    pub fn requests(&self) -> Vec<String> {
        self.heads.lock().expect("unpoisoned").clone()
    }
}
