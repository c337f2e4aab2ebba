//! Ctrl-C (SIGINT) and SIGTERM for the commands that write results.
//!
//! The first signal asks the work to stop cleanly: a run removes its temporary directory and
//! leaves the old results as they were; a sweep keeps its finished rows (continue it with
//! `--resume`). The command then exits with 128 + the signal's number (130 for Ctrl-C). A
//! second signal stops the process at once, with the same code; whatever temporaries that
//! leaves are removed by the next Plenum command that writes beside them.

use std::time::Duration;

use plenum_runner::Cancel;

/// Install the handlers; the returned token is set by the first signal.
pub fn install() -> Cancel {
    let cancel = Cancel::new();
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::flag;
        use std::sync::atomic::AtomicBool;
        use std::sync::Arc;
        let armed = Arc::new(AtomicBool::new(false));
        for sig in [SIGINT, SIGTERM] {
            // The shutdown goes first, so it sees the flag as the previous signal left it.
            // Should a registration fail, that signal keeps its default action (the process
            // stops at once), which the next run cleans up after.
            let _ = flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&armed));
            let _ = flag::register(sig, Arc::clone(&armed));
            let _ = flag::register_usize(sig, cancel.flag(), sig as usize);
        }
    }
    cancel
}

/// The exit code of an interruption: 128 + the signal's number.
pub fn exit_code(cancel: &Cancel) -> u8 {
    cancel
        .signal()
        .map_or(130, |s| u8::try_from(128 + s).unwrap_or(130))
}

/// Run `work` on its own thread and wait for it; should a stop be asked for first, call
/// `stop` instead (which ends the process: the work cannot be interrupted midway, and it
/// writes nothing).
pub fn unless_interrupted<T: Send>(
    cancel: &Cancel,
    work: impl FnOnce() -> T + Send,
    stop: impl FnOnce() -> std::convert::Infallible,
) -> T {
    std::thread::scope(|s| {
        let handle = s.spawn(work);
        while !handle.is_finished() {
            if cancel.is_set() {
                match stop() {}
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        match handle.join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
