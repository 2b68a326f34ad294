//! A whole `LIST` reply, read line by line with the state that one line cannot carry.

use std::time::SystemTime;

use crate::charset::{line_text, restore, Charset};

use super::os400::{self, DateOrder};
use super::{mvs, parse_stripped_line, tandem, vms, ListEntry};

/// Reads the lines of one `LIST` reply in order and gives the entries they describe.
///
/// Each line goes to [`parse_list_line`]: the dialects' line shapes do not overlap (the
/// listing corpus checks that no line is claimed by two of them), so every line is read by
/// the one dialect that recognises it, and a listing that mixes formats, such as a z/OS
/// directory with both datasets and HFS files, reads right. What a single line cannot tell
/// is kept here, per listing:
///
/// - **VMS two-line entries.** A line that is only a VMS file name (`NAME.EXT;1`) is held
///   back. If the next line completes it (the size, date, owner and protection of a name
///   too long for its column), the two make one entry, whose `raw` is both lines joined by
///   `\r\n`; otherwise the held line comes out on its own, as kind `Unknown`.
/// - **VMS headers and trailers** (`Directory DISK$USER:[ALICE]`, `Total of 6 files, …`)
///   are skipped, once the listing is known to be VMS: a VMS entry has been read,
///   [`ListingParser::with_system`] was given a `SYST` reply that names VMS, or the
///   listing's first line is a `Directory DEVICE:[PATH]` header (which also marks the
///   listing as VMS). Otherwise they come back as kind `Unknown`, like any line no dialect
///   reads.
/// - **The NonStop column header** (`File Code EOF Last Modification Owner RWEP`) is
///   skipped.
/// - **z/OS column headers** (`Volume Unit Referred …`, `Name VV.MM Created …`) are
///   skipped: they are unmistakable. After a member header, or when `SYST` names MVS, a
///   line that is a member name alone is a member without statistics (kind `File`);
///   anywhere else such a line stays `Unknown`, since one word could be anything.
/// - **IBM i date order.** A two-digit date such as `04/03/18` can be read three ways, so
///   [`parse_list_line`] gives it no time. Once a line of the listing shows the order (its
///   date is a real date in one order only, like `10/30/98`), the dates of the lines after
///   it are read in that order; a line that contradicts it stops the inference for the
///   rest of the listing. Lines before the evidence keep no time (entries are given as
///   they arrive).
///
/// Nothing else is dropped: blank lines and `total N` give no entry, as with
/// [`parse_list_line`], and every other line gives exactly one entry (possibly
/// `Unknown`). Call [`ListingParser::finish`] after the last line.
///
/// ```
/// use ftpkit_core::{EntryKind, ListingParser};
/// let mut parser = ListingParser::new(std::time::SystemTime::now()).with_system("VMS V7.3");
/// let mut entries = Vec::new();
/// for line in [
///     "Directory USER1:[TEMP]",
///     "",
///     "UCX$REXECD_STARTUP.LOG;1098",
///     "                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)",
///     "DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)",
///     "",
///     "Total of 2 files, 5/24 blocks.",
/// ] {
///     entries.extend(parser.push(line));
/// }
/// entries.extend(parser.finish());
/// assert_eq!(entries.len(), 2);
/// assert_eq!(entries[0].name, "UCX$REXECD_STARTUP.LOG;1098");
/// assert_eq!((entries[1].name.to_string(), entries[1].kind), ("DATA".into(), EntryKind::Dir));
/// ```
///
/// [`parse_list_line`]: super::parse_list_line
#[derive(Debug, Clone)]
pub struct ListingParser {
    now: SystemTime,
    charset: Option<Charset>,
    /// The listing is VMS (an entry was read, or `SYST` said so).
    vms: bool,
    /// One-word lines are PDS members (a member header was read, or `SYST` said MVS).
    mvs_members: bool,
    /// IBM i: the date order the listing showed, `Err(())` after contradicting evidence.
    ibmi_order: Option<Result<DateOrder, ()>>,
    /// A VMS name line waiting for its attribute line, as the server sent it.
    held: Option<Vec<u8>>,
    /// A line other than a blank one has been read.
    started: bool,
}

impl ListingParser {
    /// A parser for one listing; `now` is the reference time for year-less dates (see
    /// [`parse_list_line`]).
    ///
    /// [`parse_list_line`]: super::parse_list_line
    pub fn new(now: SystemTime) -> Self {
        ListingParser {
            now,
            charset: None,
            vms: false,
            mvs_members: false,
            ibmi_order: None,
            held: None,
            started: false,
        }
    }

    /// Takes the text of the server's `SYST` reply (e.g. `VMS V7.3 is the operating
    /// system of this server.`) as a hint of the listing's format. A hint only tells which
    /// header lines to expect; the lines themselves still decide how each is read.
    pub fn with_system(mut self, syst: &str) -> Self {
        let upper = syst.to_ascii_uppercase();
        if upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "VMS" || w == "OPENVMS")
        {
            self.vms = true;
        }
        if upper.starts_with("MVS") || upper.contains("Z/OS") {
            self.mvs_members = true;
        }
        self
    }

    /// Lines are bytes in this charset (see [`crate::Config::charset`]); names keep the
    /// server's bytes either way.
    pub fn with_charset(mut self, charset: Option<Charset>) -> Self {
        self.charset = charset;
        self
    }

    /// The entries that this line completes: none (a blank line, `total N`, a header, or a
    /// line held back to be joined with the next), one, or two (a held line that the next
    /// one did not complete, then this one).
    pub fn push(&mut self, line: &str) -> Vec<ListEntry> {
        self.push_bytes(line.as_bytes())
    }

    /// [`ListingParser::push`] for a line as the server's bytes.
    pub fn push_bytes(&mut self, line: &[u8]) -> Vec<ListEntry> {
        let line = strip_eol_bytes(line);
        let mut out = Vec::new();
        if let Some(held) = self.held.take() {
            let mut joined = held.clone();
            joined.extend_from_slice(b"\r\n");
            joined.extend_from_slice(line);
            if let Some(entry) = self.vms_entry(&joined) {
                self.vms = true;
                out.push(entry);
                return out;
            }
            out.extend(self.one(&held));
        }
        let (text, _) = line_text(line, self.charset);
        // A VMS listing opens with `Directory DEVICE:[PATH]`, before any entry could say
        // it is VMS: as the very first line, that form is nothing else.
        let first = !self.started;
        self.started |= !text.trim().is_empty();
        if first && vms::is_directory_header(&text) {
            self.vms = true;
        } else if vms::is_name_line(&text) {
            self.held = Some(line.to_vec());
        } else if let Some(members) = mvs::header(&text) {
            self.mvs_members = members;
        } else if tandem::is_header(&text) || (self.vms && vms::is_header_or_trailer(&text)) {
            // Not an entry.
        } else if let Some(member) = self.bare_member(line) {
            out.push(member);
        } else {
            out.extend(self.one(line));
        }
        out
    }

    /// The entry of a line still held back at the end of the listing, if any.
    pub fn finish(&mut self) -> Option<ListEntry> {
        let held = self.held.take()?;
        self.one(&held)
    }

    /// A member name alone, in a member listing.
    fn bare_member(&self, line: &[u8]) -> Option<ListEntry> {
        if !self.mvs_members {
            return None;
        }
        let (text, how) = line_text(line, self.charset);
        mvs::bare_member(&text).map(|e| restore(e, line, how))
    }

    /// `line` read by the VMS dialect alone.
    fn vms_entry(&self, line: &[u8]) -> Option<ListEntry> {
        let (text, how) = line_text(line, self.charset);
        vms::parse(&text).map(|e| restore(e, line, how))
    }

    /// One line through [`parse_list_line`], noting what it says about the listing.
    ///
    /// [`parse_list_line`]: super::parse_list_line
    fn one(&mut self, line: &[u8]) -> Option<ListEntry> {
        let (text, how) = line_text(line, self.charset);
        // `line` comes without its terminator (see `push_bytes`).
        let mut entry = parse_stripped_line(&text, self.now)?;
        let body = text.as_ref();
        if vms::parse(body).is_some() {
            self.vms = true;
        }
        let orders = os400::date_orders(body);
        if !orders.is_empty() {
            self.ibmi_order = match (self.ibmi_order, orders.as_slice()) {
                (Some(Ok(known)), o) if o.contains(&known) => Some(Ok(known)),
                (Some(_), _) => Some(Err(())),
                (None, [only]) => Some(Ok(*only)),
                (None, _) => None,
            };
            if let (None, Some(Ok(order))) = (entry.modified, self.ibmi_order) {
                entry.modified = os400::time_in_order(body, order);
            }
        }
        Some(restore(entry, line, how))
    }
}

fn strip_eol_bytes(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
