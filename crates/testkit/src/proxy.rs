//! A small HTTP/1.1 proxy on loopback that counts what reaches the server: each request's method
//! and target, and whether its whole body was handed on. It can hold multipart part uploads
//! after a number of them (so a test can kill the server at a known point) and let them go.
//!
//! It reads request heads and `Content-Length` bodies on the client side and copies the server's
//! answers back byte for byte; each client connection gets its own server connection, made when
//! its first request arrives (a dead server closes the client's connection, nothing counted).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};

/// One request that reached the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    pub body_bytes: u64,
}

impl Seen {
    /// A multipart `UploadPart` (`PUT …?partNumber=N&uploadId=…`): its part number.
    pub fn part_number(&self) -> Option<u32> {
        if self.method != "PUT" {
            return None;
        }
        let query = self.target.split_once('?')?.1;
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix("partNumber="))
            .and_then(|n| n.parse().ok())
    }
}

#[derive(Debug, Default)]
struct State {
    seen: Vec<Seen>,
    /// Part uploads let through before the gate closes (`None`: no gate).
    hold_after: Option<usize>,
    held: usize,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// The proxy; it stops accepting when dropped (open connections end with their peers).
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listens on 127.0.0.1 (a free port) and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let for_thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("s3-proxy-accept".into())
            .spawn(move || {
                for client in listener.incoming().flatten() {
                    let shared = Arc::clone(&for_thread);
                    let _ = std::thread::Builder::new()
                        .name("s3-proxy-conn".into())
                        .spawn(move || serve(client, upstream, &shared));
                }
            })
            .unwrap();
        Proxy { addr, shared }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request that reached the server, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.state.lock().unwrap().seen.clone()
    }

    /// From now on, part uploads after the first `n` (counted from now) wait at the proxy until
    /// [`Proxy::release`].
    pub fn hold_parts_after(&self, n: usize) {
        let mut st = self.shared.state.lock().unwrap();
        let already = st.seen.iter().filter(|s| s.part_number().is_some()).count();
        st.hold_after = Some(already + n);
    }

    /// Waits until a part upload is being held.
    pub fn wait_held(&self) {
        let mut st = self.shared.state.lock().unwrap();
        while st.held == 0 {
            st = self.shared.changed.wait(st).unwrap();
        }
    }

    /// Lets held part uploads go (to whatever server is there now).
    pub fn release(&self) {
        let mut st = self.shared.state.lock().unwrap();
        st.hold_after = None;
        self.shared.changed.notify_all();
    }
}

/// One client connection: requests in order, each head and body forwarded, the answers copied
/// back by a second thread.
fn serve(client: TcpStream, upstream: SocketAddr, shared: &Shared) {
    let mut reader = BufReader::new(match client.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut server: Option<TcpStream> = None;
    while let Some((head, method, target, length)) = read_head(&mut reader) {
        let is_part = Seen {
            method: method.clone(),
            target: target.clone(),
            body_bytes: 0,
        }
        .part_number()
        .is_some();
        if is_part {
            wait_gate(shared);
        }
        if server.is_none() {
            let Ok(s) = TcpStream::connect(upstream) else {
                break;
            };
            let (Ok(back), Ok(to_client)) = (s.try_clone(), client.try_clone()) else {
                break;
            };
            let _ = std::thread::Builder::new()
                .name("s3-proxy-back".into())
                .spawn(move || copy_back(back, to_client));
            server = Some(s);
        }
        let Some(s) = server.as_mut() else { break };
        if s.write_all(&head).is_err() {
            break;
        }
        let mut body = (&mut reader).take(length);
        let copied = std::io::copy(&mut body, s).unwrap_or(0);
        if copied < length {
            break;
        }
        let mut st = shared.state.lock().unwrap();
        st.seen.push(Seen {
            method,
            target,
            body_bytes: length,
        });
        shared.changed.notify_all();
    }
    if let Some(s) = server {
        let _ = s.shutdown(Shutdown::Both);
    }
    let _ = client.shutdown(Shutdown::Both);
}

fn wait_gate(shared: &Shared) {
    let mut st = shared.state.lock().unwrap();
    let parts = st.seen.iter().filter(|s| s.part_number().is_some()).count();
    if st.hold_after.is_some_and(|n| parts >= n) {
        st.held += 1;
        shared.changed.notify_all();
        while st.hold_after.is_some() {
            st = shared.changed.wait(st).unwrap();
        }
        st.held -= 1;
    }
}

/// Reads one request head: its bytes, method, target and body length.
fn read_head(reader: &mut BufReader<TcpStream>) -> Option<(Vec<u8>, String, String, u64)> {
    let mut head = Vec::new();
    let mut length = 0u64;
    let mut first = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.extend_from_slice(line.as_bytes());
        if first.is_empty() {
            first = line.trim_end().to_string();
        } else if line == "\r\n" || line == "\n" {
            break;
        } else if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut words = first.split_whitespace();
    let method = words.next()?.to_string();
    let target = words.next()?.to_string();
    Some((head, method, target, length))
}

fn copy_back(mut server: TcpStream, mut client: TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if client.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}
