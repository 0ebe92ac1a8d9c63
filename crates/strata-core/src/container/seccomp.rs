//! The default seccomp profile of a run: everything is allowed except what Docker's default
//! profile refuses to a container without `CAP_SYS_ADMIN`, which the calls below return
//! `EPERM` for (`clone3`: `ENOSYS`, so that libc falls back to `clone`, whose flags a filter
//! can see). Written here from syscall names, group by group, each with why it is refused;
//! [`Seccomp::Unconfined`] (`--security-opt seccomp=unconfined`) turns it off.
//!
//! Docker's profile is an allow-list (deny by default); this one is a deny-list (allow by
//! default) with the same effect on the syscalls that exist today: a call the profile does
//! not know (a kernel newer than the profile) is allowed, as it would be with no filter,
//! and the capabilities the container lacks still stand in front of it. Where this profile
//! is tighter than Docker's, the group says so.
//!
//! Every name must be known to libseccomp (runc's seccomp library) for at least one of the
//! [architectures](ARCHITECTURES): runc skips a name it cannot resolve, silently. The
//! `container_isolation` tests resolve each name through the installed libseccomp and run
//! the profile through runc.
//!
//! See [seccomp(2)], [the runtime spec's seccomp section][spec] and [Docker's notes on its
//! profile][docker].
//!
//! [seccomp(2)]: https://man7.org/linux/man-pages/man2/seccomp.2.html
//! [spec]: https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#seccomp
//! [docker]: https://docs.docker.com/engine/security/seccomp/

use std::str::FromStr;

use oci_spec::runtime::{
    Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArgBuilder, LinuxSeccompBuilder,
    LinuxSeccompOperator, LinuxSyscall, LinuxSyscallBuilder,
};

use super::ContainerError;

/// Whether a run gets the default profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seccomp {
    /// [`default_profile`].
    #[default]
    Default,
    /// No filter at all (`docker run --security-opt seccomp=unconfined`).
    Unconfined,
}

impl FromStr for Seccomp {
    type Err = ContainerError;

    /// `default` or `unconfined`: what follows `seccomp=` in `--security-opt`.
    fn from_str(s: &str) -> Result<Seccomp, ContainerError> {
        match s {
            "default" => Ok(Seccomp::Default),
            "unconfined" => Ok(Seccomp::Unconfined),
            other => Err(ContainerError::BadOption(format!(
                "seccomp={other}: use seccomp=unconfined (custom profiles are not supported)"
            ))),
        }
    }
}

/// The architectures the filter is built for: this machine's and the ones its kernel also
/// runs (32-bit x86 and x32 on x86_64, 32-bit ARM on aarch64), so that no refused call slips
/// past the filter through another ABI of the same kernel.
pub const ARCHITECTURES: [Arch; 5] = [
    Arch::ScmpArchX86_64,
    Arch::ScmpArchX86,
    Arch::ScmpArchX32,
    Arch::ScmpArchAarch64,
    Arch::ScmpArchArm,
];

/// Kernel keyrings are not namespaced: a container could read, fill or replace the keys of
/// the host's users and services.
const KEYRINGS: &[&str] = &["add_key", "keyctl", "request_key"];

/// Mounting: the container's tree is the one runc built. These need `CAP_SYS_ADMIN` (which
/// the container lacks); refusing them here also closes the way a capability slip would turn
/// into an escape. `umount` is 32-bit x86's old name.
const MOUNTS: &[&str] = &[
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "open_tree",
    "move_mount",
    "mount_setattr",
];

/// New namespaces, user namespaces above all, put kernel code meant for root in reach of
/// any user (the source of many privilege escalations); joining another namespace is the
/// host's business. `clone` with a `CLONE_NEW*` flag is refused by [`clone_rules`].
const NAMESPACES: &[&str] = &["unshare", "setns"];

/// Loading, replacing or stopping the kernel, and kernel modules.
const KERNEL: &[&str] = &[
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "get_kernel_syms",
    "query_module",
];

/// State shared by the whole machine: clocks (`adjtimex` and `clock_adjtime` too, which
/// Docker lets through for reading: tighter here), swap, process accounting, quotas, the
/// kernel log, the NFS server, the host and domain names (the container has its own UTS
/// namespace, but Docker keeps these for `CAP_SYS_ADMIN`), hanging up terminals.
const SYSTEM: &[&str] = &[
    "settimeofday",
    "stime",
    "clock_settime",
    "clock_settime64",
    "adjtimex",
    "clock_adjtime",
    "clock_adjtime64",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "syslog",
    "nfsservctl",
    "sethostname",
    "setdomainname",
    "vhangup",
];

/// Large kernel interfaces open to unprivileged users and behind many exploits: eBPF,
/// perf events (which also show kernel addresses), userfaultfd (holds the kernel at a page
/// fault, a favourite of race exploits), io_uring (runs operations outside the syscall path,
/// so past this very filter; Docker's current profile refuses it too), fanotify and
/// oprofile's `lookup_dcookie`.
const ATTACK_SURFACE: &[&str] = &[
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "fanotify_init",
    "lookup_dcookie",
];

/// File handles open a file by its inode, past the mount the container sees: with
/// `open_by_handle_at` a container read the host's files ("shocker", 2014).
/// `name_to_handle_at` only makes handles; Docker allows it, refused here too.
const FILE_HANDLES: &[&str] = &["open_by_handle_at", "name_to_handle_at"];

/// Reaching into other processes beyond signals: Docker keeps these for `CAP_SYS_PTRACE`.
/// (`ptrace` itself: see [`PTRACE`].)
const OTHER_PROCESSES: &[&str] = &["kcmp", "pidfd_getfd", "process_madvise"];

/// `ptrace` and the calls that read or write another process's memory. Docker allows them on
/// Linux 4.8 and later, and so does this profile: since 4.8 the kernel runs the filter again
/// after a tracer changed a call, so tracing cannot smuggle a refused call past it, and
/// without `CAP_SYS_PTRACE` a container can trace only its own processes. That keeps `strace`
/// and `gdb` working in containers. Before 4.8 they are refused.
const PTRACE: &[&str] = &["ptrace", "process_vm_readv", "process_vm_writev"];

/// Hardware and obsolete interfaces: x86 I/O ports (`iopl`, `ioperm`), virtual 8086 mode, and
/// calls the kernel keeps only for very old programs (`uselib`, `ustat`, `sysfs`, `_sysctl`).
const LEGACY: &[&str] = &[
    "iopl", "ioperm", "vm86", "vm86old", "uselib", "ustat", "sysfs", "_sysctl",
];

/// NUMA memory placement: moving pages and setting memory policy place memory on the host's
/// nodes, for other processes too (Docker keeps these for `CAP_SYS_NICE`).
const NUMA: &[&str] = &[
    "move_pages",
    "migrate_pages",
    "mbind",
    "set_mempolicy",
    "get_mempolicy",
    "set_mempolicy_home_node",
];

/// Every `CLONE_NEW*` flag `clone` takes: a new mount, cgroup, UTS, IPC, user, PID or network
/// namespace (the reasons of [`NAMESPACES`]). `CLONE_NEWTIME` is not among them: `clone`
/// cannot take it (only `unshare` and `clone3`, both refused).
#[cfg(target_os = "linux")]
const CLONE_NEW_FLAGS: [u64; 7] = [
    libc::CLONE_NEWNS as u64,
    libc::CLONE_NEWCGROUP as u64,
    libc::CLONE_NEWUTS as u64,
    libc::CLONE_NEWIPC as u64,
    libc::CLONE_NEWUSER as u64,
    libc::CLONE_NEWPID as u64,
    libc::CLONE_NEWNET as u64,
];

/// The `personality` values Docker allows: `PER_LINUX`, `PER_LINUX32`, `UNAME26`,
/// `PER_LINUX32 | UNAME26`, and `0xffffffff`, which only asks for the current one. The others
/// turn off address-space randomisation (`ADDR_NO_RANDOMIZE`), make readable memory
/// executable (`READ_IMPLIES_EXEC`), map page zero (`MMAP_PAGE_ZERO`), … — old helpers for
/// kernel exploits.
pub const PERSONALITIES_ALLOWED: [u64; 5] = [0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff];

/// `AF_VSOCK`: sockets to the hypervisor or the other VMs of the host.
const AF_VSOCK: u64 = 40;

/// The profile of a run on this machine (its kernel decides `PTRACE`).
pub fn default_profile() -> Result<LinuxSeccomp, ContainerError> {
    profile(kernel_at_least(4, 8))
}

/// The profile; `modern_ptrace`: the kernel re-checks a call a tracer changed (4.8+).
pub fn profile(modern_ptrace: bool) -> Result<LinuxSeccomp, ContainerError> {
    let mut names: Vec<&str> = [
        KEYRINGS,
        MOUNTS,
        NAMESPACES,
        KERNEL,
        SYSTEM,
        ATTACK_SURFACE,
        FILE_HANDLES,
        OTHER_PROCESSES,
        LEGACY,
        NUMA,
    ]
    .concat();
    if !modern_ptrace {
        names.extend(PTRACE);
    }
    let mut syscalls = vec![errno(&names, libc::EPERM, &[])?];
    syscalls.push(errno(&["clone3"], libc::ENOSYS, &[])?);
    syscalls.extend(clone_rules()?);
    syscalls.extend(personality_rules()?);
    syscalls.push(errno(
        &["socket"],
        libc::EPERM,
        &[(LinuxSeccompOperator::ScmpCmpEq, AF_VSOCK, None)],
    )?);
    LinuxSeccompBuilder::default()
        .default_action(LinuxSeccompAction::ScmpActAllow)
        .architectures(ARCHITECTURES.to_vec())
        .syscalls(syscalls)
        .build()
        .map_err(profile_err)
}

/// Every syscall name the profile mentions, for checks against libseccomp's tables.
pub fn names(profile: &LinuxSeccomp) -> Vec<String> {
    let mut out: Vec<String> = profile
        .syscalls()
        .iter()
        .flatten()
        .flat_map(|s| s.names().iter().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// One rule per flag: `clone(flags)` fails when `flags & FLAG == FLAG`. runc ORs the rules of
/// one syscall, so any one flag refuses the call.
#[cfg(target_os = "linux")]
fn clone_rules() -> Result<Vec<LinuxSyscall>, ContainerError> {
    CLONE_NEW_FLAGS
        .iter()
        .map(|&flag| {
            errno(
                &["clone"],
                libc::EPERM,
                &[(LinuxSeccompOperator::ScmpCmpMaskedEq, flag, Some(flag))],
            )
        })
        .collect()
}

/// Linux's `CLONE_NEW*` values are not known elsewhere, where no container runs.
#[cfg(not(target_os = "linux"))]
fn clone_rules() -> Result<Vec<LinuxSyscall>, ContainerError> {
    Err(ContainerError::Unsupported(crate::fs::unsupported_reason()))
}

/// `personality(p)` fails unless `p` is one of [`PERSONALITIES_ALLOWED`]. A rule's conditions
/// on one argument cannot be ANDed (runc splits them into separate rules, ORed), so "not one
/// of these" is written as: above `0xffffffff`, or in one of the aligned blocks that tile the
/// gaps between the allowed values (each block is one masked comparison, like a CIDR range).
/// 32-bit ABIs compare the low 32 bits only, where the `GT` never holds, as it should.
fn personality_rules() -> Result<Vec<LinuxSyscall>, ContainerError> {
    let mut rules = vec![errno(
        &["personality"],
        libc::EPERM,
        &[(LinuxSeccompOperator::ScmpCmpGt, 0xffff_ffff, None)],
    )?];
    for (mask, value) in personality_blocks() {
        rules.push(errno(
            &["personality"],
            libc::EPERM,
            &[(LinuxSeccompOperator::ScmpCmpMaskedEq, mask, Some(value))],
        )?);
    }
    Ok(rules)
}

/// (mask, value) blocks covering exactly the 32-bit values that are not allowed.
pub fn personality_blocks() -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for pair in PERSONALITIES_ALLOWED.windows(2) {
        if pair[1] > pair[0] + 1 {
            out.extend(aligned_blocks(pair[0] + 1, pair[1] - 1));
        }
    }
    out
}

/// The fewest power-of-two-aligned blocks that cover `lo..=hi` exactly, as (mask, value):
/// `x` is in a block when `x & mask == value`.
fn aligned_blocks(lo: u64, hi: u64) -> Vec<(u64, u64)> {
    let (mut start, end) = (u128::from(lo), u128::from(hi) + 1);
    let mut out = Vec::new();
    while start < end {
        let mut size: u128 = 1 << start.trailing_zeros().min(64);
        while start + size > end {
            size >>= 1;
        }
        let mask = !(size - 1) as u64;
        out.push((mask, start as u64));
        start += size;
    }
    out
}

/// A rule: `names` fail with `errno` (when every condition holds).
fn errno(
    names: &[&str],
    errno: i32,
    args: &[(LinuxSeccompOperator, u64, Option<u64>)],
) -> Result<LinuxSyscall, ContainerError> {
    let mut rule = LinuxSyscallBuilder::default()
        .names(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        .action(LinuxSeccompAction::ScmpActErrno)
        .errno_ret(errno as u32);
    if !args.is_empty() {
        let args = args
            .iter()
            .map(|&(op, value, value_two)| {
                let arg = LinuxSeccompArgBuilder::default()
                    .index(0usize)
                    .op(op)
                    .value(value);
                match value_two {
                    Some(v) => arg.value_two(v),
                    None => arg,
                }
                .build()
                .map_err(profile_err)
            })
            .collect::<Result<Vec<_>, _>>()?;
        rule = rule.args(args);
    }
    rule.build().map_err(profile_err)
}

fn profile_err(e: impl std::fmt::Display) -> ContainerError {
    ContainerError::Runtime(format!("cannot build the seccomp profile: {e}"))
}

/// Whether the running kernel is at least `major.minor` (`uname -r`).
#[cfg(target_os = "linux")]
fn kernel_at_least(major: u32, minor: u32) -> bool {
    // SAFETY: utsname is plain data; uname fills it and NUL-terminates its fields.
    let release = unsafe {
        let mut uts: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut uts) != 0 {
            return false;
        }
        std::ffi::CStr::from_ptr(uts.release.as_ptr())
            .to_string_lossy()
            .into_owned()
    };
    parse_release(&release) >= (major, minor)
}

/// No Linux kernel here.
#[cfg(not(target_os = "linux"))]
fn kernel_at_least(_major: u32, _minor: u32) -> bool {
    false
}

/// `6.1.0-18-amd64` → (6, 1).
#[cfg(target_os = "linux")]
fn parse_release(release: &str) -> (u32, u32) {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the personality rules refuse, evaluated as the kernel's filter would.
    fn personality_refused(p: u64) -> bool {
        p > 0xffff_ffff
            || personality_blocks()
                .iter()
                .any(|&(mask, value)| p & mask == value)
    }

    #[test]
    fn personality_refuses_all_but_dockers_values() {
        for p in 0..=0x4_0000u64 {
            assert_eq!(
                personality_refused(p),
                !PERSONALITIES_ALLOWED.contains(&p),
                "{p:#x}"
            );
        }
        for p in [
            0x0040000, // ADDR_NO_RANDOMIZE
            0x0400000, // READ_IMPLIES_EXEC
            0x0100000, // MMAP_PAGE_ZERO
            0x8000_0000,
            0xffff_fffe,
            0x1_0000_0000,
            0x1_0000_0008,
            u64::MAX,
        ] {
            assert!(personality_refused(p), "{p:#x}");
        }
        for p in PERSONALITIES_ALLOWED {
            assert!(!personality_refused(p), "{p:#x}");
        }
        // 82 masked comparisons: the whole filter stays far below the kernel's 4096
        // instructions (797 for the five architectures with libseccomp 2.5).
        assert!(
            personality_blocks().len() < 100,
            "{}",
            personality_blocks().len()
        );
    }

    #[test]
    fn blocks_tile_the_range() {
        for (lo, hi) in [(1, 7), (9, 0x1ffff), (0x20009, 0xffff_fffe), (0, u64::MAX)] {
            let blocks = aligned_blocks(lo, hi);
            let mut next = u128::from(lo);
            for (mask, value) in blocks {
                assert_eq!(u128::from(value), next);
                next += u128::from(!mask) + 1;
            }
            assert_eq!(next, u128::from(hi) + 1);
        }
    }

    #[test]
    fn the_profile_refuses_with_eperm_and_clone3_with_enosys() {
        let p = profile(true).unwrap();
        assert_eq!(p.default_action(), LinuxSeccompAction::ScmpActAllow);
        let json = serde_json::to_value(&p).unwrap();
        let rules = json["syscalls"].as_array().unwrap();
        let rule_of = |name: &str| {
            rules
                .iter()
                .find(|r| r["names"].as_array().unwrap().iter().any(|n| n == name))
                .unwrap_or_else(|| panic!("no rule for {name}"))
        };
        for name in [
            "keyctl",
            "mount",
            "unshare",
            "bpf",
            "open_by_handle_at",
            "iopl",
        ] {
            assert_eq!(rule_of(name)["action"], "SCMP_ACT_ERRNO");
            assert_eq!(rule_of(name)["errnoRet"], libc::EPERM);
        }
        assert_eq!(rule_of("clone3")["errnoRet"], libc::ENOSYS);
        let clone = rule_of("clone");
        assert_eq!(clone["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
        assert!(!names(&p).contains(&"ptrace".to_string()));
        assert!(names(&profile(false).unwrap()).contains(&"ptrace".to_string()));
    }

    #[test]
    fn kernel_releases_parse() {
        assert_eq!(parse_release("6.1.0-18-amd64"), (6, 1));
        assert_eq!(parse_release("4.8"), (4, 8));
        assert_eq!(parse_release("junk"), (0, 0));
    }
}
