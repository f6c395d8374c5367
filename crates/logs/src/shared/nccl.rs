//! NCCL's lines (NCCL_DEBUG=INFO prints them under every framework): bootstrap, devices,
//! communicators, and the watchdog and transport errors of a hang.

use chrono::Datelike;
use sim::{Collectives, GPUS_PER_NODE, NcclLine, RunPlan};
use term::{Color, Style, StyledLine};

use super::red;
use crate::level::META;
use crate::writer::Writer;

/// The InfiniBand devices of a DGX-style board, one per GPU.
const IB_DEVICES: [u32; GPUS_PER_NODE as usize] = [0, 3, 4, 5, 6, 9, 10, 11];

/// Prefix NCCL puts on its lines for a global rank: `host:pid:tid [dev] NCCL ` (NCCL
/// `src/debug.cc`: `"%s:%d:%d "` then `"[%d] NCCL INFO "`; RCCL keeps the same prefix).
fn prefix(plan: &RunPlan, rank: u32, tid_off: u32) -> String {
    let (node, local) = ((rank / GPUS_PER_NODE) % plan.nodes, rank % GPUS_PER_NODE);
    let pid = plan.pid + 3 + local;
    format!(
        "{}:{}:{} [{}] NCCL ",
        plan.host(node),
        pid,
        pid + tid_off,
        local
    )
}

/// An NCCL INFO line as the console's rank prints it.
fn info(w: &mut Writer, tid_off: u32, msg: &str) {
    let line = StyledLine::new()
        .push(prefix(w.plan(), w.view_rank(), tid_off), META)
        .push("INFO ", Style::fg(Color::BLUE))
        .push(msg, Style::PLAIN);
    w.print(line);
}

/// The bootstrap interface, then the library's version banner.
pub fn bootstrap(w: &mut Writer, version: &str) {
    let ip = w.plan().ip(0);
    info(w, 0, &format!("Bootstrap : Using ens8np0:{ip}<0>"));
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
        // NCCL src/init.cc: "NCCL version " MAJOR.MINOR.PATCH "+cuda" X.Y, an INFO line.
        info(w, 0, &format!("NCCL version {version}"));
    }
}

/// The IB devices and the out-of-band interface.
pub fn net_ib(w: &mut Writer) {
    let ib: Vec<String> = IB_DEVICES
        .iter()
        .enumerate()
        .map(|(i, d)| format!("[{i}]mlx5_{d}:1/IB"))
        .collect();
    let msg = format!(
        "NET/IB : Using {} ; OOB ens8np0:{}<0>",
        ib.join(" "),
        w.plan().ip(0)
    );
    info(w, 77, &msg);
}

/// NCCL's ring order on node 0: 0 then the node's other GPUs backwards, then the next node.
fn ring_order(world: u32) -> Vec<u32> {
    let n = GPUS_PER_NODE.min(world);
    let mut v = vec![0];
    v.extend((1..n).rev());
    v.extend(n..world.min(n + 8));
    v
}

/// One communicator line.
pub fn communicator(w: &mut Writer, line: NcclLine, comm: u64, comm_id: u64) {
    // A communicator is a heap object: its address is 16-byte aligned.
    let comm = comm & !0xf;
    let p = w.plan();
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
        NcclLine::Ring(ch) => {
            let ring: Vec<String> = ring_order(world)
                .iter()
                .take(10)
                .map(|r| format!("{r:>4}"))
                .collect();
            vec![format!("Channel {ch:02}/{channels} :{} ...", ring.join(""))]
        }
        NcclLine::P2p(ch) => vec![format!(
            "Channel {ch:02}/0 : 0[0] -> 1[1] via {}",
            p.gpu.link
        )],
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
        info(w, 77, &m);
    }
}

/// ProcessGroupNCCL.cpp, WorkNCCL::checkTimeout, behind c10's log prefix
/// `[rankN]:[E{month}{day:02} HH:MM:SS.{ns:09} file:line] ` (month unpadded). The watchdog
/// notices the timeout on its next poll, a little after 600000 ms.
pub fn watchdog_timeout(w: &mut Writer, rank: u32, seq: u64, numel: u64) {
    let t = w.now();
    let late = 17 + (seq.wrapping_mul(7919) + numel) % 163;
    let line = format!(
        "[rank{rank}]:[E{}{} ProcessGroupNCCL.cpp:683] [Rank {rank}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum={seq}, OpType=ALLREDUCE, NumelIn={numel}, NumelOut={numel}, Timeout(ms)=600000) ran for {} milliseconds before timing out.",
        t.month(),
        t.format("%d %H:%M:%S%.9f"),
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
    let port = 40_000 + (rank.wrapping_mul(7919) + p.pid) % 20_000;
    let line = format!(
        "{}:{}:{} [{local}] ib_plugin.c:1615 NCCL WARN NET/IB : Got completion from peer 10.{}.{}.{}<{port}> with status=12 opcode=1 len=0 vendor err 129 (Send)",
        p.host(node),
        p.pid + 3 + local,
        p.pid + 80 + local,
        p.subnet,
        peer / 200,
        11 + peer % 200
    );
    w.print(red(line));
}
