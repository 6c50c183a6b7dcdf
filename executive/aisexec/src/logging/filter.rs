//! How much each subsystem logs.

use log::LevelFilter;

use crate::config::LoggingConfig;

/// The level of every subsystem: `debug: on` lowers all of them to debug;
/// a `logger { ident debug }` lowers one subsystem's (to trace with
/// `tags:`). As in openais, a logger section can only add messages, never
/// silence what the global setting shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Levels {
    default: LevelFilter,
    /// Upper-case ident and its level.
    subsystems: Vec<(String, LevelFilter)>,
}

impl Levels {
    pub fn from_config(config: &LoggingConfig) -> Levels {
        let default = if config.debug {
            LevelFilter::Debug
        } else {
            LevelFilter::Info
        };
        let mut subsystems: Vec<(String, LevelFilter)> = Vec::new();
        for logger in &config.loggers {
            let level = if logger.trace {
                LevelFilter::Trace
            } else if logger.debug {
                LevelFilter::Debug
            } else {
                LevelFilter::Info
            }
            .max(default);
            let ident = logger.ident.to_ascii_uppercase();
            match subsystems.iter_mut().find(|(i, _)| *i == ident) {
                Some((_, l)) => *l = (*l).max(level),
                None => subsystems.push((ident, level)),
            }
        }
        Levels {
            default,
            subsystems,
        }
    }

    /// The level of the subsystem with this tag (compared without regard
    /// to case).
    pub fn level_for(&self, tag: &str) -> LevelFilter {
        self.subsystems
            .iter()
            .find(|(ident, _)| ident.eq_ignore_ascii_case(tag))
            .map_or(self.default, |&(_, level)| level)
    }

    /// The most verbose level of any subsystem: what `log` needs to pass on.
    pub fn max(&self) -> LevelFilter {
        self.subsystems
            .iter()
            .map(|&(_, l)| l)
            .fold(self.default, Ord::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LoggerConfig;

    fn logger(ident: &str, debug: bool, trace: bool) -> LoggerConfig {
        LoggerConfig {
            ident: ident.into(),
            debug,
            trace,
        }
    }

    #[test]
    fn global_and_per_subsystem_levels() {
        let mut config = LoggingConfig::default();
        let levels = Levels::from_config(&config);
        assert_eq!(levels.level_for("TOTEM"), LevelFilter::Info);
        assert_eq!(levels.max(), LevelFilter::Info);

        config.loggers = vec![
            logger("ckpt", true, false),
            logger("AMF", true, true),
            logger("CLM", false, false),
        ];
        let levels = Levels::from_config(&config);
        assert_eq!(levels.level_for("CKPT"), LevelFilter::Debug);
        assert_eq!(levels.level_for("AMF"), LevelFilter::Trace);
        assert_eq!(levels.level_for("CLM"), LevelFilter::Info);
        assert_eq!(levels.level_for("TOTEM"), LevelFilter::Info);
        assert_eq!(levels.max(), LevelFilter::Trace);

        // Global debug: a logger section cannot lower a subsystem below it.
        config.debug = true;
        let levels = Levels::from_config(&config);
        assert_eq!(levels.level_for("CLM"), LevelFilter::Debug);
        assert_eq!(levels.level_for("TOTEM"), LevelFilter::Debug);
        assert_eq!(levels.level_for("AMF"), LevelFilter::Trace);
    }
}
