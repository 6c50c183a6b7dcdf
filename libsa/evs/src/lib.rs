//! libevs: openais group messaging (evs.h).
