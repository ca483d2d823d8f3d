//! The S3 server helper itself: it starts, enforces signatures, dies with `kill -9` and starts
//! again on the same ports.

use testkit::s3::{Weed, http_status};

#[test]
fn weed_starts_survives_kill9_and_restarts_on_the_same_ports() {
    let mut weed = Weed::start(&["clips"]);
    let port = weed.s3_port();
    // Unsigned requests are refused: the server enforces signatures.
    assert_eq!(http_status(port, "/clips/"), Some(403));
    weed.kill9();
    assert_eq!(
        http_status(port, "/"),
        None,
        "nothing answers after kill -9"
    );
    weed.restart();
    assert_eq!(weed.s3_port(), port);
    assert_eq!(http_status(port, "/clips/"), Some(403));
}
