//! The team's cluster: one for the whole simulation, as a real team's jobs all run on theirs.
//! Its host names, login node, user, network interface, Python layout, storage and the GPU
//! partitions jobs are scheduled on stay the same from job to job.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::catalog::{Catalog, GpuSpec};
use crate::draws::pick;

/// Where the team's checkpoints and runs live.
const STORAGE: [&str; 5] = [
    "/lustre/ckpt",
    "/fsx/checkpoints",
    "/mnt/weka/ckpt",
    "/checkpoints",
    "/scratch/ckpt",
];
/// Host name prefixes of GPU nodes.
const HOSTS: [&str; 6] = ["gpu-node", "node", "hgx", "dgx", "compute", "trn"];
/// The team account jobs are launched from.
const USERS: [&str; 5] = ["mlops", "llm", "train", "research", "ml-infra"];
/// The out-of-band interface NCCL bootstraps over (the hosts' Ethernet).
const OOB: [&str; 5] = ["bond0", "eth0", "ens8np0", "enp25s0np0", "ens6f0"];

/// The cluster every job of the simulation runs on.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Host name prefix of its GPU nodes (`hgx` gives `hgx001`).
    pub host_prefix: String,
    /// The login node jobs are submitted from.
    pub login: String,
    /// The account the shell runs as.
    pub user: String,
    /// Second octet of its 10.x.0.0/16 network.
    pub subnet: u8,
    /// The Ethernet interface NCCL bootstraps over.
    pub oob_iface: String,
    /// Python is a conda or pyenv install (torch's log paths read `site-packages/torch/...`),
    /// else a venv or the system's (`torch/...`).
    pub site_packages: bool,
    /// The shared file system checkpoints go to.
    pub storage: String,
    /// The GPU partitions (one or two kinds of node).
    pub gpus: Vec<GpuSpec>,
}

impl Cluster {
    /// Draws the cluster from the catalog's GPUs.
    pub fn draw(rng: &mut ChaCha8Rng, catalog: &Catalog) -> Cluster {
        let host_prefix = pick(rng, &HOSTS).to_string();
        let login = format!("{host_prefix}-login0{}", rng.random_range(1..=2));
        let mut gpus = vec![pick(rng, &catalog.gpus).clone()];
        // Some clusters have a second partition of another kind of node.
        if catalog.gpus.len() > 1 && rng.random_bool(0.35) {
            let other = pick(rng, &catalog.gpus).clone();
            if other.name != gpus[0].name {
                gpus.push(other);
            }
        }
        Cluster {
            host_prefix,
            login,
            user: pick(rng, &USERS).to_string(),
            subnet: rng.random_range(1..=250),
            oob_iface: pick(rng, &OOB).to_string(),
            site_packages: rng.random_bool(0.6),
            storage: pick(rng, &STORAGE).to_string(),
            gpus,
        }
    }

    /// Host name of a node.
    pub fn host(&self, node: u32) -> String {
        format!("{}{:03}", self.host_prefix, node + 1)
    }

    /// Management IP of a node.
    pub fn ip(&self, node: u32) -> String {
        format!("10.{}.{}.{}", self.subnet, node / 200, 11 + node % 200)
    }

    /// How torch's Python log lines name one of its files (`distributed/run.py`).
    pub fn torch_path(&self, file: &str) -> String {
        let prefix = if self.site_packages {
            "site-packages/"
        } else {
            ""
        };
        format!("{prefix}torch/{file}")
    }
}
