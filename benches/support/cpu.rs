//! CPU time of the current process, shared by the throughput examples.

/// User + system CPU seconds of this process (Linux, 100 clock ticks a
/// second; `None` elsewhere), to tell a slow run from a run that did not
/// get its core.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (in parentheses): utime is field 14,
    // stime 15, in clock ticks.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}
