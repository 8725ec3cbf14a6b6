use super::*;
use crate::launch::tests::Chunks;

/// The rendered log of `chunks` fed one call each to a `rows` x `cols` screen, each
/// call's text taken away as the rendering thread does.
fn rendered(rows: u16, cols: u16, chunks: &[&[u8]]) -> String {
    let mut r = Renderer::new(rows, cols);
    let mut log = String::new();
    let mut out = String::new();
    for chunk in chunks {
        r.feed(chunk, &mut out);
        log.push_str(&std::mem::take(&mut out));
    }
    r.finish(&mut out);
    log + &out
}

/// The same stream fed one byte at a time: every sequence and character split.
fn rendered_bytewise(rows: u16, cols: u16, stream: &[u8]) -> String {
    let chunks: Vec<&[u8]> = stream.chunks(1).collect();
    rendered(rows, cols, &chunks)
}

#[test]
fn carriage_return_redraws_leave_the_last_state_once() {
    let stream = b"progress 10%\rprogress 50%\rprogress 100%\r\nnext\r\n";
    let log = rendered(10, 40, &[stream]);
    assert_eq!(
        log, "progress 100%\nnext\n",
        "one line per screen line: {log:?}"
    );
}

#[test]
fn a_spinner_redrawn_in_place_is_not_in_the_log() {
    let mut stream = Vec::new();
    for (i, frame) in ['|', '/', '-', '\\'].iter().cycle().take(40).enumerate() {
        stream.extend_from_slice(format!("\r\x1b[2K{frame} Working ({i}s)").as_bytes());
    }
    stream.extend_from_slice(b"\r\x1b[2K\x1b[32mdone\x1b[0m in 40s\r\n");
    let log = rendered(10, 40, &[&stream]);
    assert_eq!(
        log, "done in 40s\n",
        "only what the line read last: {log:?}"
    );
}

#[test]
fn colours_and_other_attributes_are_dropped() {
    let stream = b"\x1b[1;31mred bold\x1b[0m plain \x1b[38;5;208morange\x1b[m\r\n\
        \x1b[44m   \x1b[0m\r\n\x1b[7minverse\x1b[27m end\r\n";
    let log = rendered(10, 40, &[stream]);
    assert_eq!(log, "red bold plain orange\n\ninverse end\n", "{log:?}");
}

#[test]
fn cursor_moves_put_text_where_the_screen_shows_it() {
    // "hello world", then the cursor goes back up to overwrite "world", and a line is
    // written lower down with an absolute position.
    let stream = b"hello world\r\nsecond\x1b[1A\x1b[7G\x1b[1;7Hthere\x1b[4;3Hfar\r\n";
    let log = rendered(10, 40, &[stream]);
    assert_eq!(log, "hello there\nsecond\n\n  far\n", "{log:?}");
}

#[test]
fn a_line_split_across_reads_is_one_line() {
    let log = rendered(
        10,
        40,
        &[
            b"hel",
            b"lo \x1b[3",
            b"1mwor\xe2\x9c",
            b"\x93ld\x1b[0m\r",
            b"\n",
        ],
    );
    assert_eq!(log, "hello wor\u{2713}ld\n", "{log:?}");
    let stream = b"\x1b[1mbold\x1b[0m and\r\ncarriage\rCARRIAGE return\r\n";
    assert_eq!(
        rendered_bytewise(10, 40, stream),
        rendered(10, 40, &[stream]),
        "byte by byte reads like one read"
    );
}

#[test]
fn lines_that_scroll_off_are_kept_in_order_and_once() {
    let stream: String = (1..=100).map(|i| format!("line {i}\r\n")).collect();
    let expected: String = (1..=100).map(|i| format!("line {i}\n")).collect();
    assert_eq!(rendered(10, 40, &[stream.as_bytes()]), expected);
    assert_eq!(
        rendered_bytewise(10, 40, stream.as_bytes()),
        expected,
        "the same when every row scrolls in its own read"
    );
}

#[test]
fn the_log_ends_with_a_line_end_even_when_the_screen_was_cleared() {
    let stream: String = (1..=12).map(|i| format!("line {i}\r\n")).collect();
    let log = rendered(10, 40, &[stream.as_bytes(), b"\x1b[2J\x1b[H"]);
    assert_eq!(log, "line 1\nline 2\nline 3\n", "{log:?}");
}

#[test]
fn a_line_wrapped_over_rows_is_one_line() {
    let long: String = (0..130)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let stream: String = format!("{long}\r\n").repeat(12);
    let log = rendered(5, 40, &[stream.as_bytes()]);
    let expected = format!("{long}\n").repeat(12);
    assert_eq!(log, expected, "wrapped rows joined, scrolled or not");
}

#[test]
fn written_lines_end_where_screen_lines_do() {
    // Each call's output ends at a line end (a row that may still wrap waits), so a
    // secret cut by the row edge is written in one piece.
    let mut r = Renderer::new(3, 10);
    let mut out = String::new();
    r.feed(b"0123456789abcdef\r\nx\r\ny\r\nz\r\n", &mut out);
    assert!(
        !out.contains("0123456789") || out.contains("0123456789abcdef"),
        "a wrapped row is not written without its continuation: {out:?}"
    );
    r.feed(b"more\r\n", &mut out);
    r.finish(&mut out);
    assert_eq!(out, "0123456789abcdef\nx\ny\nz\nmore\n");
}

#[test]
fn a_full_screen_program_leaves_its_last_screen() {
    let stream = b"$ less notes\r\n\
        \x1b[?1049h\x1b[H\x1b[2Jpage one\x1b[H\x1b[2Jpage two\r\n\x1b[7m(END)\x1b[0m\
        \x1b[?1049l$ echo after\r\nafter\r\n";
    let log = rendered(10, 40, &[stream]);
    assert_eq!(
        log, "page two\n(END)\n$ less notes\n$ echo after\nafter\n",
        "the program's last screen when it left (the lines still on the normal screen \
         follow, written at the end), what it redrew over not at all: {log:?}"
    );
    assert_eq!(rendered_bytewise(10, 40, stream), log, "split anywhere");
}

#[test]
fn a_full_screen_program_still_open_at_the_end_is_written_after_the_normal_screen() {
    let stream = b"starting\r\n\x1b[?1049h\x1b[Hthe tui\x1b[5;1Hits footer";
    let log = rendered(10, 40, &[stream]);
    assert_eq!(log, "starting\nthe tui\n\n\n\nits footer\n", "{log:?}");
}

#[test]
fn an_endless_line_is_written_in_bounded_pieces() {
    let mut r = Renderer::new(5, 40);
    let mut out = String::new();
    let word = "abcdefghi ".repeat(400);
    for _ in 0..20 {
        r.feed(word.as_bytes(), &mut out);
    }
    let held = r.parser.callbacks().formatted.len();
    assert!(held <= 2 * MAX_HELD, "held back {held} bytes");
    r.finish(&mut out);
    assert_eq!(
        out.trim_end(),
        word.repeat(20).trim_end(),
        "nothing lost or split"
    );
}

#[test]
fn an_empty_stream_renders_nothing() {
    assert_eq!(rendered(10, 40, &[]), "");
    assert_eq!(rendered(10, 40, &[b"\x1b[31m\x1b[0m\r\n\r\n"]), "");
}

const KEY: &str = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123";

#[test]
fn the_recorder_writes_the_rendered_log_beside_the_raw_one() {
    let dir = tempfile::tempdir().unwrap();
    assert!(read_rendered(dir.path()).is_none(), "no recorder, no log");
    let input = Chunks(vec![
        b"\x1b[1mthinking\x1b[0m".to_vec(),
        b"\r\x1b[2Kanswer: 42\r\n".to_vec(),
    ]);
    crate::launch::record(dir.path(), input).unwrap();
    let (raw, _) = crate::launch::read_transcript(dir.path());
    assert!(
        raw.contains("\x1b[2K"),
        "the raw stream keeps escapes: {raw:?}"
    );
    let (text, truncated) = read_rendered(dir.path()).expect("a rendered log");
    assert_eq!(text, "answer: 42\n");
    assert!(!truncated);
}

#[test]
fn a_key_put_together_on_the_screen_is_redacted_in_the_rendered_log() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = KEY.split_at(12);
    // The second half is drawn first, further right; then the first half before it.
    let drawn = format!("key: \x1b[{}G{second}\x1b[6G{first}\r\n", 6 + first.len());
    crate::launch::record(dir.path(), Chunks(vec![drawn.into_bytes()])).unwrap();
    let (text, _) = read_rendered(dir.path()).unwrap();
    assert_eq!(
        text, "key: [REDACTED]\n",
        "the key as the screen showed it: {text:?}"
    );
}

#[test]
fn a_key_wrapped_at_the_screen_edge_and_split_across_reads_is_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let cols = usize::from(crate::runtime::COLUMNS);
    let (first, second) = KEY.split_at(20);
    // The key starts 20 cells before the right edge, so its second half wraps onto the
    // next row. Then the screen scrolls by exactly one row: the first half has left the
    // screen, the second is still on it, until the next read scrolls it off too.
    let rows = usize::from(crate::runtime::ROWS);
    let reads = vec![
        format!(
            "{} {first}{second}{}",
            "x".repeat(cols - 21),
            "\r\n".repeat(rows - 1)
        )
        .into_bytes(),
        "\r\n".repeat(rows).into_bytes(),
    ];
    crate::launch::record(dir.path(), Chunks(reads)).unwrap();
    let (text, _) = read_rendered(dir.path()).unwrap();
    assert!(
        !text.contains(first) && !text.contains(second),
        "the key leaked: {text:?}"
    );
    assert!(text.contains("x [REDACTED]\n"), "{text:?}");
}

#[test]
fn the_rendered_log_rotates_instead_of_growing() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!("{}\r\n", "y".repeat(150));
    let rotate = crate::launch::TRANSCRIPT_ROTATE_BYTES;
    let chunks = (0..(rotate / 150 + 1000))
        .map(|_| line.clone().into_bytes())
        .collect();
    crate::launch::record(dir.path(), Chunks(chunks)).unwrap();
    let size = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().len();
    let kept = size(RENDERED_FILE) + size(RENDERED_OLD_FILE);
    assert!(kept <= 2 * rotate, "at most two files' worth: {kept}");
    assert!(
        read_rendered(dir.path()).unwrap().1,
        "older output dropped is reported"
    );
}

#[test]
fn output_beyond_the_queue_is_left_out_with_a_note_and_the_queue_then_drains() {
    // Fits: queued, nothing left out yet.
    assert!(admit(0, 0, 100, 1000));
    assert!(admit(800, 0, 200, 1000));
    // Over the budget: left out.
    assert!(!admit(900, 0, 200, 1000));
    // Once something was left out, nothing more is queued until the thread caught up.
    assert!(!admit(10, 5, 100, 1000));
    assert!(admit(0, 5, 100, 1000));
    // A read larger than the budget never fits.
    assert!(!admit(0, 0, 2000, 1000));
}

#[test]
fn what_was_left_out_is_marked_where_it_happened() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = RenderThread::start(dir.path(), 0).unwrap();
    r.feed(b"never rendered\r\n");
    r.feed(b"the last of it\r\n");
    r.finish().unwrap();
    let (text, _) = read_rendered(dir.path()).unwrap();
    assert_eq!(
        text,
        format!("{}the last of it\n", skipped_note(16)),
        "the gap, then the last of what was left out from a line start: {text:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let log = LogFile::open(dir.path(), RENDERED_FILE, RENDERED_OLD_FILE).unwrap();
    let (tx, rx) = mpsc::channel();
    let (first, second) = (b"before\r\nhalf a li", b"ne\r\nafter\r\n");
    tx.send(Msg::Bytes(first.to_vec())).unwrap();
    tx.send(Msg::Skipped(1000)).unwrap();
    tx.send(Msg::Bytes(second.to_vec())).unwrap();
    drop(tx);
    let queued = AtomicUsize::new(2 * PER_READ + first.len() + second.len());
    render_loop(&rx, &queued, log, None).unwrap();
    let (text, _) = read_rendered(dir.path()).unwrap();
    assert_eq!(
        text,
        format!("before\nhalf a li\n{}ne\nafter\n", skipped_note(1000)),
        "the screen before the gap, the note, then a fresh screen"
    );
    assert_eq!(queued.into_inner(), 0, "everything rendered is counted out");
}

#[test]
fn a_flood_left_out_still_ends_with_its_last_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = RenderThread::start(dir.path(), 0).unwrap();
    let flood: String = (1..=200_000).map(|i| format!("{i}\r\n")).collect();
    for chunk in flood.as_bytes().chunks(4096) {
        r.feed(chunk);
    }
    r.finish().unwrap();
    let (text, _) = read_rendered(dir.path()).unwrap();
    let (note, rendered) = text.split_once('\n').unwrap();
    assert!(
        note.starts_with("[aiops: "),
        "the gap is marked first: {note:?}"
    );
    assert!(
        rendered.len() <= TAIL_BYTES,
        "only the tail is rendered: {}",
        rendered.len()
    );
    assert!(
        rendered.ends_with("199999\n200000\n"),
        "the flood's end: {:?}",
        &rendered[rendered.len() - 20..]
    );
    let first: u64 = rendered.lines().next().unwrap().parse().unwrap();
    assert_eq!(
        skipped_note(flood[..=flood.find(&format!("\n{first}\r")).unwrap()].len() as u64),
        format!("{note}\n"),
        "the note counts what is not in the log"
    );
}

#[test]
fn a_terminal_reset_writes_the_screen_first_and_starts_over() {
    // The launcher's reset on a new pane (a blank screen: nothing to write), the command's
    // last screen (its cursor mid-screen), then the launcher's reset before a respawned
    // command, which starts from the top of a blank screen.
    let stream =
        b"\x1bcold prompt\r\nold answer\r\n\x1b[1;1H\x1b[5Bcursor left here\x1bcnew run\r\n";
    let log = rendered(10, 40, &[stream]);
    assert_eq!(
        log, "old prompt\nold answer\n\n\n\ncursor left here\nnew run\n",
        "{log:?}"
    );
    let esc = stream.windows(2).position(|w| w == b"\x1bc").unwrap();
    let split: Vec<&[u8]> = vec![&stream[..=esc], &stream[esc + 1..]];
    assert_eq!(rendered(10, 40, &split), log, "a reset cut after its ESC");
}

#[test]
fn the_live_screen_follows_the_log_on_a_line_of_its_own() {
    let screen = "$ make   \nok\n\n\n";
    assert_eq!(with_screen("built\n".into(), screen), "built\n$ make\nok\n");
    assert_eq!(
        with_screen("half a line".into(), screen),
        "half a line\n$ make\nok\n"
    );
    assert_eq!(
        with_screen("log\n".into(), "\n  \n"),
        "log\n",
        "a blank screen"
    );
    assert_eq!(with_screen(String::new(), screen), "$ make\nok\n");
}

#[test]
fn a_reader_gets_the_rendered_log_and_the_screen_or_the_raw_stream_and_is_told_which() {
    let dir = tempfile::tempdir().unwrap();
    let raw_stream = format!("\x1b[1mone\x1b[0m\r\ntwo {KEY}\r\nthree\r\n");
    std::fs::write(dir.path().join(crate::launch::TRANSCRIPT_FILE), &raw_stream).unwrap();
    let t = transcript(dir.path(), 7, None, false, || {
        unreachable!("no log, no screen")
    });
    assert!(
        !t.rendered,
        "recorded before the rendered log: the raw stream, said so"
    );
    assert!(t.text.starts_with("\x1b[1mone"), "{:?}", t.text);
    assert!(!t.text.contains(KEY), "redacted on the way out too");

    std::fs::write(dir.path().join(RENDERED_FILE), "one\ntwo\n").unwrap();
    let t = transcript(dir.path(), 7, None, false, || "three\n\n".to_owned());
    assert!(t.rendered);
    assert_eq!(t.text, "one\ntwo\nthree\n");
    let t = transcript(dir.path(), 7, Some(2), false, String::new);
    assert_eq!(t.text, "one\ntwo", "--tail counts lines");
    let t = transcript(dir.path(), 7, Some(1), true, || unreachable!());
    assert!(!t.rendered);
    assert_eq!(t.text, "three", "--raw: the raw stream's lines");
}

#[test]
fn the_watch_sees_the_settled_screen_once_per_change() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let watch: ScreenWatch = Box::new(move |screen: &str| {
        let _ = tx.send(screen.to_owned());
    });
    let mut r = RenderThread::start_watched(dir.path(), 1 << 20, Some(watch)).unwrap();
    // A dialog drawn in two bursts (a loaded machine may show the first one alone).
    r.feed(b"\x1b[2J\x1b[H  Trust this folder?");
    r.feed(b"\r\n> 1. Trust and continue\r\n");
    let whole = |s: &String| s.contains("Trust this folder?") && s.contains("Trust and continue");
    let seen = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(10)).ok()).find(whole);
    assert!(seen.is_some(), "the settled screen is shown whole");
    // Nothing new drawn: nothing new shown.
    assert!(rx.recv_timeout(SETTLE * 5).is_err(), "shown once");
    r.feed(b"\x1b[2J\x1b[Hworking\r\n");
    let seen = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the next screen");
    assert_eq!(seen.trim(), "working");
    r.finish().unwrap();
}
