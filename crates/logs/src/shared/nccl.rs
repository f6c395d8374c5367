//! NCCL's lines (NCCL_DEBUG=INFO prints them under every framework): bootstrap, devices,
//! communicators, and the watchdog and transport errors of a hang. Formats of NCCL 2.20-2.27
//! (src/debug.cc, src/bootstrap.cc, src/transport/net_ib.cc, src/graph/rings.cc).

use chrono::Datelike;
use sim::{Collectives, GPUS_PER_NODE, NcclLine, RunPlan};
use term::{Color, Style, StyledLine};

use super::procs::{comm_tid, hash, worker_pid};
use super::red;
use crate::level::META;
use crate::writer::Writer;

/// Which thread a line comes from: the worker's main thread (tid = pid) or the thread NCCL
/// sets the communicator up on.
#[derive(Clone, Copy)]
enum Thread {
    Main,
    Comm,
}

/// Prefix NCCL puts on its lines for a global rank: `host:pid:tid [dev] NCCL ` (src/debug.cc:
/// `"%s:%d:%d "` then `"[%d] NCCL INFO "`; RCCL keeps the same prefix).
fn prefix(plan: &RunPlan, rank: u32, thread: Thread) -> String {
    let (node, local) = ((rank / GPUS_PER_NODE) % plan.nodes, rank % GPUS_PER_NODE);
    let pid = worker_pid(plan, rank);
    let tid = match thread {
        Thread::Main => pid,
        Thread::Comm => comm_tid(plan, rank),
    };
    format!("{}:{pid}:{tid} [{local}] NCCL ", plan.host(node))
}

/// An NCCL INFO line as the console's rank prints it.
fn info(w: &mut Writer, thread: Thread, msg: &str) {
    let line = StyledLine::new()
        .push(prefix(w.plan(), w.view_rank(), thread), META)
        .push("INFO ", Style::fg(Color::BLUE))
        .push(msg, Style::PLAIN);
    w.print(line);
}

/// NCCL's version as (major, minor, patch) from `2.21.5+cuda12.4`.
fn version_of(v: &str) -> (u32, u32, u32) {
    let mut it = v.split(['+', '.']).map(|x| x.parse::<u32>().unwrap_or(0));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

/// The bootstrap interface, then the library's version banner.
pub fn bootstrap(w: &mut Writer, version: &str) {
    let p = w.plan();
    let (ip, iface) = (p.ip(0), p.cluster.oob_iface.clone());
    // "Bootstrap : Using" until 2.24.3, "Bootstrap: Using" after (src/bootstrap.cc).
    let word = if version_of(version) >= (2, 24, 3) {
        "Bootstrap:"
    } else {
        "Bootstrap :"
    };
    info(w, Thread::Main, &format!("{word} Using {iface}:{ip}<0>"));
    if w.plan().gpu.collectives == Collectives::Rccl {
        // RCCL prints its banner with printf, no prefix (rccl src/init.cc).
        let (rccl, hip) = version.split_once("+hip").unwrap_or((version, "6.2"));
        for l in [
            format!("RCCL version : {rccl}-develop:0cbce2a"),
            format!("HIP version  : {hip}.41133-dd7f95766"),
            format!("ROCm version : {hip}.0"),
        ] {
            w.print(StyledLine::plain(l));
        }
    } else {
        // src/init.cc, showVersion: an INFO line when NCCL_DEBUG=INFO.
        info(w, Thread::Main, &format!("NCCL version {version}"));
    }
}

/// The RDMA devices (one per GPU on a DGX-class board) and the out-of-band interface:
/// `NET/IB : Using [0]mlx5_0:1/IB ... [RO]; OOB bond0:10.1.0.11<0>` (net_ib.cc).
pub fn net_ib(w: &mut Writer) {
    let p = w.plan();
    let layer = if p.gpu.roce { "RoCE" } else { "IB" };
    let devices: Vec<String> = p
        .gpu
        .hcas
        .iter()
        .enumerate()
        .map(|(i, d)| format!("[{i}]{d}:1/{layer}"))
        .collect();
    let msg = format!(
        "NET/IB : Using {} [RO]; OOB {}:{}<0>",
        devices.join(" "),
        p.cluster.oob_iface,
        p.ip(0)
    );
    info(w, Thread::Comm, &msg);
}

/// A ring's rank order on channel `ch`: each node's GPUs in an order its topology search
/// found (differing by board and channel), node after node.
fn ring_order(p: &RunPlan, ch: u32) -> Vec<u32> {
    let n = GPUS_PER_NODE.min(p.world());
    let board = p
        .gpu
        .name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
    let mut local: Vec<u32> = (1..n).collect();
    // A fixed permutation of the board's other GPUs per channel (Fisher-Yates on a hash).
    for i in (1..local.len()).rev() {
        let j = (hash(p, board ^ (u64::from(ch) << 32) ^ i as u64) % (i as u64 + 1)) as usize;
        local.swap(i, j);
    }
    let mut v = Vec::new();
    for node in 0..p.nodes.min(3) {
        v.push(node * n);
        v.extend(local.iter().map(|l| node * n + l));
    }
    v
}

/// `Channel 00/32 :    0   1 ...` (rings.cc): `" %3d"` per rank and at most 20 of them until
/// 2.22; from 2.23, the width of the largest rank and up to 128 characters, then `...`.
fn ring_line(p: &RunPlan, ch: u32, channels: u32, version: (u32, u32, u32)) -> String {
    let ranks = ring_order(p, ch);
    if version < (2, 23, 0) {
        let cells: String = ranks.iter().take(20).map(|r| format!(" {r:>3}")).collect();
        return format!("Channel {ch:02}/{channels:02} :{cells}");
    }
    let width = (p.world().saturating_sub(1)).to_string().len();
    let mut line = format!("Channel {ch:02}/{channels:02} :");
    for r in ranks {
        let cell = format!(" {r:>width$}");
        if line.len() + cell.len() > 124 {
            line.push_str(" ...");
            break;
        }
        line.push_str(&cell);
    }
    line
}

/// One communicator line.
pub fn communicator(w: &mut Writer, line: NcclLine, comm: u64, comm_id: u64) {
    // A communicator is a heap object: its address is 16-byte aligned.
    let comm = comm & !0xf;
    let p = w.plan();
    let version = version_of(&w.nccl_version);
    let world = p.world();
    let bus0 = format!("{}000", p.gpu.bus_ids[0]);
    let channels = if p.nodes > 1 { 32 } else { 24 };
    let init = |what: &str| {
        format!(
            "ncclCommInitRank comm 0x{comm:x} rank 0 nranks {world} cudaDev 0 nvmlDev 0 busId {bus0} commId 0x{comm_id:016x} - Init {what}"
        )
    };
    let msgs: Vec<String> = match line {
        NcclLine::InitStart => vec![init("START")],
        NcclLine::CommInfo => vec![format!(
            "comm 0x{comm:x} rank 0 nRanks {world} nNodes {} localRanks {} localRank 0 MNNVL 0",
            p.nodes, GPUS_PER_NODE
        )],
        NcclLine::Ring(ch) => vec![ring_line(p, ch, channels, version)],
        NcclLine::P2p(ch) => {
            // Rank 0's neighbour in this channel's ring.
            let next = ring_order(p, ch).get(1).copied().unwrap_or(1);
            vec![format!(
                "Channel {ch:02}/0 : 0[0] -> {next}[{next}] via {}",
                p.gpu.link
            )]
        }
        NcclLine::Net => vec![
            format!(
                "Channel 00/0 : {}[1] -> 0[0] [receive] via NET/IB/0/GDRDMA",
                world - GPUS_PER_NODE + 1
            ),
            format!("Channel 00/0 : 0[0] -> {GPUS_PER_NODE}[0] [send] via NET/IB/0/GDRDMA"),
        ],
        NcclLine::ConnectedRings => vec!["Connected all rings".into()],
        NcclLine::ConnectedTrees => vec!["Connected all trees".into()],
        NcclLine::InitComplete => vec![init("COMPLETE")],
    };
    for m in msgs {
        info(w, Thread::Comm, &m);
    }
}

/// ProcessGroupNCCL.cpp, WorkNCCL::checkTimeout, behind c10's log prefix
/// `[rankN]:[E{month}{day:02} HH:MM:SS.{ns:09} file:line] ` (month and day one unpadded
/// number; the nanoseconds come from another clock than the time, so they look random). The
/// watchdog notices the timeout on its next poll, a little after 600000 ms.
pub fn watchdog_timeout(w: &mut Writer, rank: u32, seq: u64, numel: u64) {
    let t = w.now();
    let late = 17 + (seq.wrapping_mul(7919) + numel) % 163;
    let ns = hash(w.plan(), seq ^ numel) % 1_000_000_000;
    let line = format!(
        "[rank{rank}]:[E{}{}.{ns:09} ProcessGroupNCCL.cpp:683] [Rank {rank}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum={seq}, OpType=ALLREDUCE, NumelIn={numel}, NumelOut={numel}, Timeout(ms)=600000) ran for {} milliseconds before timing out.",
        t.month(),
        t.format("%d %H:%M:%S"),
        600_000 + late
    );
    w.print(red(line));
}

/// NCCL's WARN lines carry the reporting file and line (src/debug.cc); this one is the IB
/// plugin's completion error, on the failed rank's own process.
pub fn peer_error(w: &mut Writer, rank: u32) {
    let p = w.plan();
    let node = rank / GPUS_PER_NODE;
    let local = rank % GPUS_PER_NODE;
    let peer = (node + 1) % p.nodes;
    let port = 40_000 + (hash(p, u64::from(rank)) % 20_000) as u32;
    let line = format!(
        "{}:{}:{} [{local}] transport/net_ib.cc:1615 NCCL WARN NET/IB : Got completion from peer {}<{port}> with status=12 opcode=1 len=0 vendor err 129 (Send)",
        p.host(node),
        worker_pid(p, rank),
        comm_tid(p, rank) + 3,
        p.ip(peer)
    );
    w.print(red(line));
}
