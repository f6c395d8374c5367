//! The shell, srun and torchrun: the job's launch, the launcher's view of failures and the
//! scheduler's time limit.

use sim::GPUS_PER_NODE;
use term::{Color, Style, StyledLine};

use super::red;
use crate::level::META;
use crate::writer::Writer;

/// The shell prompt and the launch command.
pub fn prompt(w: &mut Writer) {
    let p = w.plan();
    let cfg = p.model.name.to_lowercase().replace(['.', '-'], "_");
    let prompt = StyledLine::new()
        .push(
            format!("mlops@{}-login01", p.host_prefix),
            Style::fg(Color::GREEN).bold(),
        )
        .push(":", Style::PLAIN)
        .push("~/pretrain", Style::fg(Color::BLUE).bold())
        .push("$ ", Style::PLAIN)
        .push(
            format!(
                "srun --nodes={} --ntasks-per-node=1 torchrun --nnodes={} --nproc_per_node={} --rdzv_backend=c10d --rdzv_endpoint={}:29500 {} --config configs/{cfg}.yaml",
                p.nodes,
                p.nodes,
                GPUS_PER_NODE,
                p.host(0),
                w.style().script()
            ),
            Style::PLAIN,
        );
    w.print(prompt);
}

/// torchrun's own warning banner, in glog format.
pub fn banner(w: &mut Writer) {
    // srun merges every node's output: each node's torchrun agent logs the banner once, with
    // its own pid and a moment apart (shown for up to 16 nodes).
    let nodes = w.plan().nodes.min(16);
    for node in 0..nodes {
        let t = w.time_at(w.job() + node as f64 * 0.0137);
        let stamp = t.format("W%m%d %H:%M:%S%.6f ").to_string();
        let pid = w.plan().pid + node * 7919 % 4000;
        let glog = |msg: &str| {
            StyledLine::new()
                .push(stamp.clone(), Style::fg(Color::YELLOW))
                .push(format!("{pid} torch/distributed/run.py:793] "), META)
                .push(msg, Style::fg(Color::YELLOW))
        };
        let stars = "*****************************************";
        w.print(glog(stars));
        w.print(glog("Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed."));
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

/// torch elastic (multiprocessing/api.py): "failed (exitcode: %s) local_rank: %s (pid: %s) of
/// binary: %s" at ERROR, in torch's log format; the agent restarts the group next
/// (ChildFailedError would mean it gave up).
pub fn worker_failed(w: &mut Writer, rank: u32, failed_at: f64) {
    let p = w.plan();
    let line = format!(
        "E{} {} site-packages/torch/distributed/elastic/multiprocessing/api.py:874] failed (exitcode: -6) local_rank: {} (pid: {}) of binary: /usr/bin/python3",
        w.time_at(failed_at).format("%m%d %H:%M:%S%.6f"),
        p.pid,
        rank % GPUS_PER_NODE,
        p.pid + 3 + rank % GPUS_PER_NODE
    );
    w.print(red(line));
}

/// elastic/agent/server/api.py (torch 2.5.1, L874), _invoke_run: the attempts are counted
/// before the restart, so the first one says 3/3.
pub fn worker_group_restart(w: &mut Writer, restart: u32, max: u32) {
    let line = format!(
        "I{} {} site-packages/torch/distributed/elastic/agent/server/api.py:874] [default] Worker group FAILED. {}/{max} attempts left; will restart worker group",
        w.now().format("%m%d %H:%M:%S%.6f"),
        w.plan().pid,
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
    let pid = p.pid + 3 + local;
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
            "W{} {} site-packages/torch/distributed/elastic/agent/server/api.py:704] Received Signals.SIGTERM death signal, shutting down workers",
            now.format("%m%d %H:%M:%S%.6f"),
            p.pid
        ),
    ];
    for l in lines {
        w.print(red(l));
    }
}
