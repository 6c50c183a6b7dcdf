//! libcpg: openais group messaging (cpg.h).
