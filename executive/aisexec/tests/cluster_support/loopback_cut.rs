//! A partition of a udpu cluster on 127.0.0.x: an nft table of its own
//! drops the Totem datagrams of one cluster's port between two sides;
//! dropping the guard deletes the table, which heals the partition.

use std::io::Write;
use std::process::{Command, Stdio};

pub struct LoopbackCut {
    table: String,
}

impl LoopbackCut {
    /// Cuts 127.0.0.`a` from 127.0.0.`b` for every pair, both ways;
    /// `None` when nft is missing or refuses the rules. `tag` keeps the
    /// tables of tests running at once apart.
    pub fn apply(tag: &str, port: u16, a: &[u8], b: &[u8]) -> Option<LoopbackCut> {
        let table = format!("oa_{tag}_{}", std::process::id());
        let set = |side: &[u8]| {
            let addrs: Vec<String> = side.iter().map(|n| format!("127.0.0.{n}")).collect();
            format!("{{ {} }}", addrs.join(", "))
        };
        let (a, b) = (set(a), set(b));
        let rules = format!(
            "table inet {table} {{\n\
             \tchain input {{\n\
             \t\ttype filter hook input priority 0; policy accept;\n\
             \t\tudp dport {port} ip saddr {a} ip daddr {b} drop\n\
             \t\tudp dport {port} ip saddr {b} ip daddr {a} drop\n\
             \t}}\n}}\n"
        );
        let mut nft = Command::new("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .ok()?;
        nft.stdin.take()?.write_all(rules.as_bytes()).ok()?;
        nft.wait().ok()?.success().then_some(LoopbackCut { table })
    }
}

impl Drop for LoopbackCut {
    fn drop(&mut self) {
        let _ = Command::new("nft")
            .args(["delete", "table", "inet", &self.table])
            .status();
    }
}
