//! The shell, srun and torchrun: the job's launch, the launcher's view of failures and the
//! scheduler's time limit.

use sim::GPUS_PER_NODE;
use term::{Color, Style, StyledLine};

use super::procs::{agent_pid, hash, worker_pid};
use super::red;
use crate::level::META;
use crate::writer::Writer;

/// The line of torch/distributed/run.py that logs the OMP banner (torch 2.5.1).
const RUN_PY_BANNER: &str = "distributed/run.py:793";

/// The shell prompt and the launch command.
pub fn prompt(w: &mut Writer) {
    let p = w.plan();
    let c = &p.cluster;
    let style = w.style();
    let cmd = format!(
        "srun --nodes={n} --ntasks-per-node=1 torchrun --nnodes={n} --nproc_per_node={g} --rdzv_backend=c10d --rdzv_endpoint={host}:29500 {args}",
        n = p.nodes,
        g = GPUS_PER_NODE,
        host = p.host(0),
        args = style.launch_args(w)
    );
    let prompt = StyledLine::new()
        .push(
            format!("{}@{}", c.user, c.login),
            Style::fg(Color::GREEN).bold(),
        )
        .push(":", Style::PLAIN)
        .push(
            format!("~/{}", style.workdir(w)),
            Style::fg(Color::BLUE).bold(),
        )
        .push("$ ", Style::PLAIN)
        .push(cmd, Style::PLAIN);
    w.print(prompt);
}

/// torchrun's own warning banner, in its log format: every node's agent logs it once as it
/// starts (srun merges their output), a few milliseconds apart and with its own pid.
pub fn banner(w: &mut Writer) {
    let nodes = w.plan().nodes.min(16);
    let path = w.plan().cluster.torch_path(RUN_PY_BANNER);
    let mut at = w.job();
    for node in 0..nodes {
        at += (hash(w.plan(), 0x5000 + u64::from(node)) % 40_000) as f64 * 1e-6;
        // Python's logging keeps whole milliseconds: the microseconds end in 000.
        let t = w.time_at((at * 1000.0).floor() / 1000.0);
        let stamp = t.format("W%m%d %H:%M:%S%.6f ").to_string();
        let pid = agent_pid(w.plan(), node);
        let glog = |msg: &str| {
            StyledLine::new()
                .push(stamp.clone(), Style::fg(Color::YELLOW))
                .push(format!("{pid} {path}] "), META)
                .push(msg, Style::fg(Color::YELLOW))
        };
        let stars = "*****************************************";
        // The warning's text starts with a newline: its first line is the bare prefix.
        w.print(glog(""));
        w.print(glog(stars));
        w.print(glog("Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed. "));
        w.print(glog(stars));
    }
}

/// The `# trainsaver:` line, when config `disclosure` asks for it (off by default: the README
/// and `--help` say what this is).
pub fn disclosure(w: &mut Writer) {
    if w.disclosure {
        let note = format!(
            "# trainsaver: this job is simulated (seeded, {} s steps in real time); no GPU is training",
            crate::fmt::py_round(w.plan().step_time(), 2)
        );
        w.print(StyledLine::new().push(note, Style::fg(Color::GREY).dim()));
    }
}

/// A Python log stamp as torch's formatter writes it: `E1130 14:20:07.092000` (whole
/// milliseconds).
fn py_stamp(w: &Writer, level: char) -> String {
    let t = w.time_at((w.job() * 1000.0).floor() / 1000.0);
    format!("{level}{}", t.format("%m%d %H:%M:%S%.6f"))
}

/// torch elastic (multiprocessing/api.py): "failed (exitcode: %s) local_rank: %s (pid: %s) of
/// binary: %s" at ERROR, logged by the agent when it notices; the agent restarts the group
/// next (ChildFailedError would mean it gave up).
pub fn worker_failed(w: &mut Writer, rank: u32, _failed_at: f64) {
    let p = w.plan();
    let node = rank / GPUS_PER_NODE;
    let line = format!(
        "{} {} {}] failed (exitcode: -6) local_rank: {} (pid: {}) of binary: /usr/bin/python3",
        py_stamp(w, 'E'),
        agent_pid(p, node),
        p.cluster
            .torch_path("distributed/elastic/multiprocessing/api.py:874"),
        rank % GPUS_PER_NODE,
        worker_pid(p, rank)
    );
    w.print(red(line));
}

/// elastic/agent/server/api.py (torch 2.5.1, L874), _invoke_run: the attempts are counted
/// before the restart, so the first one says 3/3.
pub fn worker_group_restart(w: &mut Writer, restart: u32, max: u32) {
    let p = w.plan();
    let line = format!(
        "{} {} {}] [default] Worker group FAILED. {}/{max} attempts left; will restart worker group",
        py_stamp(w, 'I'),
        p.pid,
        p.cluster
            .torch_path("distributed/elastic/agent/server/api.py:874"),
        max + 1 - restart
    );
    w.print(StyledLine::plain(line));
}

/// torchrun giving up: the agent raises `ChildFailedError`, whose message is the failure
/// table of `torch/distributed/elastic/multiprocessing/errors/__init__.py`
/// (`ChildFailedError.format_msg`: 60 `=`, `{name} FAILED`, 60 `-`, the root cause fields).
pub fn job_failed(w: &mut Writer, rank: u32, failed_at: f64) {
    w.clear_live(&[]);
    let p = w.plan();
    let local = rank % GPUS_PER_NODE;
    let pid = worker_pid(p, rank);
    let rule = |c: char| c.to_string().repeat(60);
    let lines = [
        "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ".to_string(),
        rule('='),
        format!("{} FAILED", w.style().script()),
        rule('-'),
        "Failures:".to_string(),
        "  <NO_OTHER_FAILURES>".to_string(),
        rule('-'),
        "Root Cause (first observed failure):".to_string(),
        "[0]:".to_string(),
        format!(
            "  time      : {}",
            w.time_at(failed_at).format("%Y-%m-%d_%H:%M:%S")
        ),
        format!("  host      : {}", p.host(rank / GPUS_PER_NODE)),
        format!("  rank      : {rank} (local_rank: {local})"),
        format!("  exitcode  : -6 (pid: {pid})"),
        "  error_file: <N/A>".to_string(),
        format!("  traceback : Signal 6 (SIGABRT) received by PID {pid}"),
        rule('='),
    ];
    for l in lines {
        w.print(red(l));
    }
}

/// The scheduler ending the job at its time limit: srun's and slurmstepd's messages, then
/// torchrun's agent seeing the signal.
pub fn time_limit(w: &mut Writer) {
    w.clear_live(&[]);
    let p = w.plan();
    let now = w.now();
    let lines = [
        // slurmstepd (src/slurmd/slurmstepd/req.c): "*** %s ON %s CANCELLED AT %s DUE TO
        // TIME LIMIT ***", the time in ISO form without a zone.
        format!(
            "slurmstepd: error: *** STEP {}.0 ON {} CANCELLED AT {} DUE TO TIME LIMIT ***",
            p.job_id,
            p.host(0),
            now.format("%Y-%m-%dT%H:%M:%S")
        ),
        "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.".to_string(),
        // elastic/agent/server/api.py, run(): "Received %s death signal, shutting down workers".
        format!(
            "{} {} {}] Received Signals.SIGTERM death signal, shutting down workers",
            py_stamp(w, 'W'),
            p.pid,
            p.cluster
                .torch_path("distributed/elastic/agent/server/api.py:704")
        ),
    ];
    for l in lines {
        w.print(red(l));
    }
}
