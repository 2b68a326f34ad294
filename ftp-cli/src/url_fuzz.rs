//! Property tests of URL parsing: filled in next.
