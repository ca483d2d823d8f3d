//! Child processes: background helpers that die with us, signal forwarding, and measuring a
//! child's CPU time and peak memory with `wait4`.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crate::{Result, fail};

/// The last SIGINT/SIGTERM/SIGHUP we received, 0 if none.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    SIGNAL.store(signal, Ordering::SeqCst);
}

/// Catches SIGINT, SIGTERM and SIGHUP so that waiting code can forward them and clean up
/// instead of dying with helpers left running.
pub fn catch_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(signal, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// The signal received since [`catch_signals`], if any.
pub fn received_signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Makes `cmd` start in its own process group (so we can stop it with all its children) and
/// get SIGKILL if we die without cleaning up (PR_SET_PDEATHSIG).
pub fn own_group(cmd: &mut Command) -> &mut Command {
    cmd.process_group(0);
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

fn kill_group(pgid: u32, signal: i32) {
    // SAFETY: kill has no memory-safety preconditions; a stale group only yields ESRCH.
    unsafe {
        libc::kill(-(pgid as libc::pid_t), signal);
    }
}

/// A background helper (Xvfb, PulseAudio, a tone, a window) in its own process group; dropping
/// it stops the whole group: SIGTERM, then SIGKILL after a grace period.
#[derive(Debug)]
pub struct Bg {
    pub name: String,
    child: Child,
}

impl Bg {
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Bg> {
        let child = own_group(cmd).spawn().map_err(|e| {
            fail(format!(
                "cannot start {name} ({:?}): {e}",
                cmd.get_program()
            ))
        })?;
        Ok(Bg {
            name: name.to_owned(),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` once the helper has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Bg {
    fn drop(&mut self) {
        let pgid = self.child.id();
        if self.exited().is_none() {
            kill_group(pgid, libc::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(3);
            while self.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if self.exited().is_none() {
                eprintln!("xtask: {} ignored SIGTERM; killing it", self.name);
            }
        }
        // Whatever is left of the group (children of the helper), and the helper if it hung.
        kill_group(pgid, libc::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Runs `cmd` in the foreground to completion. A SIGINT/SIGTERM/SIGHUP we receive meanwhile is
/// passed on (to the child's group when `group` is true) and the child is killed if it has not
/// ended 10 s later.
pub fn run_foreground(cmd: &mut Command, group: bool) -> Result<ExitStatus> {
    if group {
        own_group(cmd);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| fail(format!("cannot start {:?}: {e}", cmd.get_program())))?;
    let target = if group {
        -(child.id() as libc::pid_t)
    } else {
        child.id() as libc::pid_t
    };
    let mut forwarded: Option<Instant> = None;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| fail(format!("wait: {e}")))? {
            return Ok(status);
        }
        match (received_signal(), forwarded) {
            (Some(signal), None) => {
                eprintln!("xtask: got signal {signal}; stopping the command");
                // SAFETY: see kill_group.
                unsafe { libc::kill(target, signal) };
                forwarded = Some(Instant::now());
            }
            (Some(_), Some(at)) if at.elapsed() > Duration::from_secs(10) => {
                // SAFETY: see kill_group.
                unsafe { libc::kill(target, libc::SIGKILL) };
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The exit code a shell would report for `status` (128 + signal when killed).
pub fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

/// What one measured child cost.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub status: ExitStatus,
    /// User + system CPU time of the child and the children it waited for.
    pub cpu_secs: f64,
    /// Peak resident set size.
    pub max_rss_bytes: u64,
    pub wall_secs: f64,
}

/// Waits for `child` with `wait4` and returns its resource usage. The `Child` must not be
/// waited for again afterwards (we take it by value).
pub fn wait_measured(child: Child, started: Instant) -> Result<Usage> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pointers are to live locals; pid is our own unreaped child.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(fail(format!("wait4({pid}): {err}")));
        }
    }
    std::mem::forget(child); // already reaped: std must not touch it again
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    Ok(Usage {
        status: ExitStatus::from_raw(status),
        cpu_secs: secs(usage.ru_utime) + secs(usage.ru_stime),
        max_rss_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024, // Linux: KiB
        wall_secs: started.elapsed().as_secs_f64(),
    })
}
